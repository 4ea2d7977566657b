// Command hookfront-bench measures hookfront against a bare httputil.ReverseProxy in one run, on
// 127.0.0.1 only: requests/s, p50/p99 latency and — the figure that holds on a shared machine —
// CPU time of the proxy process per request, each as a ratio to the bare proxy. It also measures
// start-up, idle memory and hot-reload latency. `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 3 && os.Args[1] == "baseline" {
		baseline(os.Args[2], os.Args[3], os.Args[4:])
		return
	}
	var (
		hookfront   = flag.String("hookfront", "", "hookfront binary (default: build it)")
		rounds      = flag.Int("rounds", 3, "rounds per target (medians are reported)")
		roundTime   = flag.Duration("round", 2*time.Second, "length of one round")
		concurrency = flag.Int("c", 16, "keep-alive connections of the load generator")
		cpuprofile  = flag.String("cpuprofile", "", "have hookfront write a CPU profile to this file")
		blProfile   = flag.String("baseline-cpuprofile", "", "have the bare ReverseProxy write a CPU profile to this file")
		only        = flag.String("only", "", "measure only the targets whose name contains this (the baseline always runs)")
		fill        = flag.Int("fill", 400_000, "requests of 1 KiB objects under unique URLs that fill a default-size cache before its RSS is read (0: skip)")
		cluster     = flag.Bool("cluster", false, "measure replicas with and without a shared tier on a redis-server instead (make bench-cluster)")
		requests    = flag.Int("requests", 10_000, "with -cluster: viewer requests per scenario")
		keys        = flag.Int("keys", 10_000, "with -cluster: distinct objects")
		zipfS       = flag.Float64("zipf", 1.1, "with -cluster: Zipf exponent of the objects' popularity (> 1)")
		compare     = flag.String("compare", "", "another hookfront binary (a build before a change) measured beside the first, row by row in the same rounds")
	)
	flag.Parse()
	if *cluster {
		copt := clusterOptions{hookfront: *hookfront, requests: *requests, keys: *keys, zipf: *zipfS, conc: *concurrency, rounds: *rounds, round: *roundTime}
		if err := runCluster(copt); err != nil {
			fmt.Fprintln(os.Stderr, "hookfront-bench:", err)
			os.Exit(1)
		}
		return
	}
	opt := options{hookfront: *hookfront, rounds: *rounds, round: *roundTime, conc: *concurrency, cpuprofile: *cpuprofile, blProfile: *blProfile, only: *only, fill: *fill, compare: *compare}
	if err := run(opt); err != nil {
		fmt.Fprintln(os.Stderr, "hookfront-bench:", err)
		os.Exit(1)
	}
}

// baseline is the floor any Go proxy pays: httputil.ReverseProxy with a keep-alive transport
// and pooled buffers, nothing else.
func baseline(listen, origin string, profile []string) {
	if len(profile) == 1 {
		f, err := os.Create(profile[0])
		if err != nil {
			panic(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			panic(err)
		}
		defer pprof.StopCPUProfile()
	}
	u, err := url.Parse(origin)
	if err != nil {
		panic(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:    func(r *httputil.ProxyRequest) { r.SetURL(u); r.SetXForwarded() },
		Transport:  &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 512, IdleConnTimeout: 90 * time.Second},
		BufferPool: bufPool{},
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		panic(err)
	}
	fmt.Println("listening", l.Addr())
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	<-ch
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

type bufPool struct{}

func (bufPool) Get() []byte  { return *(bufs.Get().(*[]byte)) }
func (bufPool) Put(b []byte) { bufs.Put(&b) }

// origin answers 1 KiB: /…/nostore uncacheable, /…/cached for an hour.
func startOrigin() (string, func(), error) {
	body := []byte(strings.Repeat("x", 1024))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cached") {
			w.Header().Set("Cache-Control", "max-age=3600")
		} else {
			w.Header().Set("Cache-Control", "no-store")
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}

type target struct {
	name  string
	proc  *process
	path  string
	isRef bool // the baseline the others are compared with
	vs    int  // when > 0: the target (by index) this one's extra CPU is reported against
	// compared marks a row measured on the -compare binary, beside the row before it.
	compared bool
}

type options struct {
	hookfront  string
	rounds     int
	round      time.Duration
	conc       int
	cpuprofile string
	blProfile  string
	only       string
	fill       int
	compare    string
}

func run(opt options) error {
	hookfrontBin, rounds, roundTime, conc := opt.hookfront, opt.rounds, opt.round, opt.conc
	work, err := os.MkdirTemp("", "hookfront-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if hookfrontBin, err = buildHookfront(hookfrontBin, work); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	origin, stopOrigin, err := startOrigin()
	if err != nil {
		return err
	}
	defer stopOrigin()

	cfg, err := writeConfig(work, origin, "off", false)
	if err != nil {
		return err
	}
	// Access logs are off (warn level) so that both proxies do the same work; the address is
	// chosen up front since the "listening" line is an info line.
	port, err := freePort()
	if err != nil {
		return err
	}
	startAt := time.Now()
	args := []string{"serve", "--config", cfg, "--listen", port, "--log-level", "warn", "--admin", "off"}
	if opt.cpuprofile != "" {
		abs, _ := filepath.Abs(opt.cpuprofile)
		args = append(args, "--cpu-profile", abs)
	}
	hf, err := startProcess(hookfrontBin, port, args...)
	if err != nil {
		return err
	}
	defer hf.stop()
	startup, err := firstResponse("http://"+hf.addr+"/hit/cached", startAt)
	if err != nil {
		return err
	}
	idleRSS := hf.rssKB()
	blArgs := []string{"baseline", "127.0.0.1:0", origin}
	if opt.blProfile != "" {
		abs, _ := filepath.Abs(opt.blProfile)
		blArgs = append(blArgs, abs)
	}
	bl, err := startProcess(self, "", blArgs...)
	if err != nil {
		return err
	}
	defer bl.stop()

	// The same edge with request traces on (admin.trace summary and full), and with metrics on
	// (trace off), each its own process, to measure what they cost against the process above,
	// where both are off.
	traced := map[string]*process{}
	for _, mode := range []string{"summary", "full", "metrics"} {
		trace, metrics := mode, false
		if mode == "metrics" {
			trace, metrics = "off", true
		}
		tcfg, err := writeConfig(work, origin, trace, metrics)
		if err != nil {
			return err
		}
		tport, err := freePort()
		if err != nil {
			return err
		}
		tp, err := startProcess(hookfrontBin, tport, "serve", "--config", tcfg, "--listen", tport, "--log-level", "warn", "--admin", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer tp.stop()
		if _, err := firstResponse("http://"+tp.addr+"/hit/cached", time.Now()); err != nil {
			return err
		}
		traced[mode] = tp
	}

	targets := []target{
		{name: "bare ReverseProxy (miss)", proc: bl, path: "/x/nostore", isRef: true},
		{name: "hookfront, no hooks, miss", proc: hf, path: "/nohooks/nostore"},
		{name: "…trace summary", proc: traced["summary"], path: "/nohooks/nostore", vs: 1},
		{name: "…trace full", proc: traced["full"], path: "/nohooks/nostore", vs: 1},
		{name: "…metrics", proc: traced["metrics"], path: "/nohooks/nostore", vs: 1},
		{name: "hookfront, 2 header origin hooks, miss", proc: hf, path: "/ohooks/nostore"},
		{name: "…trace summary", proc: traced["summary"], path: "/ohooks/nostore", vs: 5},
		{name: "…trace full", proc: traced["full"], path: "/ohooks/nostore", vs: 5},
		{name: "…metrics", proc: traced["metrics"], path: "/ohooks/nostore", vs: 5},
		{name: "…same, callback-style hooks", proc: hf, path: "/ohooks-cb/nostore"},
		{name: "hookfront, cache hit, no hooks", proc: hf, path: "/hit/cached"},
		{name: "…trace summary", proc: traced["summary"], path: "/hit/cached", vs: 10},
		{name: "…trace full", proc: traced["full"], path: "/hit/cached", vs: 10},
		{name: "…metrics", proc: traced["metrics"], path: "/hit/cached", vs: 10},
		{name: "hookfront, cache hit, 2 header viewer hooks", proc: hf, path: "/vhooks/cached"},
		{name: "…same, callback-style hooks", proc: hf, path: "/vhooks-cb/cached"},
		{name: "hookfront, cache hit, 1 viewer-req function", proc: hf, path: "/fhit/cached"},
	}
	if opt.only != "" {
		// Keep the baseline, the targets named, and a traced row together with the row it is
		// compared against.
		keep := map[int]bool{0: true}
		for i, t := range targets {
			if strings.Contains(t.name, opt.only) || (t.vs > 0 && strings.Contains(targets[t.vs].name, opt.only)) {
				keep[i] = true
				if t.vs > 0 {
					keep[t.vs] = true
				}
			}
		}
		var kept []target
		index := map[int]int{}
		for i, t := range targets {
			if keep[i] {
				index[i] = len(kept)
				kept = append(kept, t)
			}
		}
		for i := range kept {
			if kept[i].vs > 0 {
				kept[i].vs = index[kept[i].vs]
			}
		}
		targets = kept
	}
	if opt.compare != "" {
		if targets, err = withCompared(targets, hf, opt.compare, cfg); err != nil {
			return err
		}
		defer func() {
			for _, t := range targets {
				if t.compared {
					t.proc.stop()
					return
				}
			}
		}()
	}
	results := make([][]roundResult, len(targets))
	fmt.Printf("hookfront-bench: %d rounds of %v per target, %d keep-alive connections, GOMAXPROCS=%d, %d CPUs\n", rounds, roundTime, conc, runtime.GOMAXPROCS(0), runtime.NumCPU())
	for r := 0; r < rounds; r++ {
		for i, t := range targets { // interleaved: A B C … A B C …, so drift hits every target alike
			res, err := measure(t, roundTime, conc)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			results[i] = append(results[i], res)
		}
	}
	reload, err := reloadLatency(hf, work)
	if err != nil {
		return err
	}
	report(targets, results, startup, idleRSS, reload)
	if opt.fill > 0 {
		fc, err := fillCache(hookfrontBin, origin, opt.fill, conc)
		if err != nil {
			return fmt.Errorf("full cache: %w", err)
		}
		fmt.Printf("default 256 MB cache filled (%d requests of 1 KiB objects under unique URLs, %v): RSS %.0f MB, peak %.0f MB; CPU %.1f µs/req while filling\n",
			opt.fill, fc.took.Round(time.Second), float64(fc.rssKB)/1024, float64(fc.peakKB)/1024, float64(fc.cpuPerReq)/float64(time.Microsecond))
	}
	return nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// writeConfig writes the benchmark's config with admin.trace and admin.metrics set.
func writeConfig(dir, origin, trace string, metrics bool) (string, error) {
	hooks := filepath.Join(dir, "hooks")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		return "", err
	}
	// The hook targets run hooks that read a header and set another (what real hooks do), async
	// and callback style.
	files := map[string]string{
		"header-request.js": `exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const ua = request.headers['user-agent'];
  request.headers['x-client'] = [{ key: 'X-Client', value: ua ? ua[0].value.slice(0, 16) : 'unknown' }];
  return request;
};
`,
		"header-response.js": `exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const type = response.headers['content-type'];
  response.headers['x-content-kind'] = [{ key: 'X-Content-Kind', value: type && type[0].value.startsWith('text/') ? 'text' : 'other' }];
  return response;
};
`,
		"cb-request.js": `exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const ua = request.headers['user-agent'];
  request.headers['x-client'] = [{ key: 'X-Client', value: ua ? ua[0].value.slice(0, 16) : 'unknown' }];
  callback(null, request);
};
`,
		"cb-response.js": `exports.handler = (event, context, callback) => {
  const response = event.Records[0].cf.response;
  const type = response.headers['content-type'];
  response.headers['x-content-kind'] = [{ key: 'X-Content-Kind', value: type && type[0].value.startsWith('text/') ? 'text' : 'other' }];
  callback(null, response);
};
`,
		"reload.js":  "exports.handler = async () => ({status: '200', body: 'v0'});\n",
		"fn-noop.js": "function handler(event) { return event.request; }\n",
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(hooks, n), []byte(b), 0o644); err != nil {
			return "", err
		}
	}
	cfg := fmt.Sprintf(`hooks_dir: hooks
origins: [{id: o, url: %q}]
cache: {max_size: 64MB}
admin: {trace: %s, metrics: %v}
behaviors:
  - {path_pattern: /nohooks/*, target: o}
  - path_pattern: /ohooks/*
    target: o
    hooks: {origin-request: header-request.js, origin-response: header-response.js}
  - path_pattern: /ohooks-cb/*
    target: o
    hooks: {origin-request: cb-request.js, origin-response: cb-response.js}
  - {path_pattern: /hit/*, target: o}
  - path_pattern: /vhooks/*
    target: o
    hooks: {viewer-request: header-request.js, viewer-response: header-response.js}
  - path_pattern: /vhooks-cb/*
    target: o
    hooks: {viewer-request: cb-request.js, viewer-response: cb-response.js}
  - path_pattern: /reload/*
    target: o
    hooks: {viewer-request: reload.js}
  - path_pattern: /fhit/*
    target: o
    functions: {viewer-request: fn-noop.js}
  - {path_pattern: "*", target: o}
`, origin, trace, metrics)
	p := filepath.Join(dir, fmt.Sprintf("hookfront-%s-%v.yaml", trace, metrics))
	return p, os.WriteFile(p, []byte(cfg), 0o644)
}

type roundResult struct {
	rps       float64
	p50, p99  time.Duration
	cpuPerReq time.Duration
	sysPerReq float64
	errors    int
}

// measure runs one round: a closed loop of conc keep-alive connections for d (after a short
// warm-up), bounded in time and count.
func measure(t target, d time.Duration, conc int) (roundResult, error) {
	url := "http://" + t.proc.addr + t.path
	load(url, 300*time.Millisecond, conc) // warm connections, caches and runtimes
	before, err := t.proc.cpu()
	if err != nil {
		return roundResult{}, err
	}
	sysBefore := t.proc.syscalls()
	lat, errs, took := load(url, d, conc)
	sysAfter := t.proc.syscalls()
	after, err := t.proc.cpu()
	if err != nil {
		return roundResult{}, err
	}
	if len(lat) == 0 {
		return roundResult{}, fmt.Errorf("no request succeeded")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return roundResult{
		rps:       float64(len(lat)) / took.Seconds(),
		p50:       lat[len(lat)/2],
		p99:       lat[len(lat)*99/100],
		cpuPerReq: (after - before) / time.Duration(len(lat)),
		sysPerReq: float64(sysAfter-sysBefore) / float64(len(lat)),
		errors:    errs,
	}, nil
}

// maxPerRound bounds a round's request count whatever the machine's speed.
const maxPerRound = 2_000_000

func load(url string, d time.Duration, conc int) ([]time.Duration, int, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := 0; c < conc; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: 10 * time.Second}
			defer client.CloseIdleConnections()
			lat := make([]time.Duration, 0, 4096)
			bad := 0
			for n := 0; n < maxPerRound/conc && time.Now().Before(deadline); n++ {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					bad++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

// firstResponse polls url until it answers 200 and returns the time since since.
func firstResponse(url string, since time.Time) (time.Duration, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(since), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("%s did not answer within 20s", url)
}

// reloadLatency saves the reload hook 10 times and measures save → first response with the
// new code.
func reloadLatency(p *process, dir string) (time.Duration, error) {
	var lat []time.Duration
	for i := 1; i <= 10; i++ {
		want := fmt.Sprintf("v%d", i)
		start := time.Now()
		src := fmt.Sprintf("exports.handler = async () => ({status: '200', body: '%s'});\n", want)
		if err := os.WriteFile(filepath.Join(dir, "hooks", "reload.js"), []byte(src), 0o644); err != nil {
			return 0, err
		}
		for {
			resp, err := http.Get("http://" + p.addr + "/reload/x")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) == want {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				return 0, fmt.Errorf("reload %d not served within 10s", i)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], nil
}

func median(rs []roundResult, f func(roundResult) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func report(targets []target, results [][]roundResult, startup time.Duration, rssKB int64, reload time.Duration) {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	var ref roundResultMedians
	meds := make([]roundResultMedians, len(targets))
	for i := range targets {
		rs := results[i]
		meds[i] = roundResultMedians{
			rps: median(rs, func(r roundResult) float64 { return r.rps }),
			p50: median(rs, func(r roundResult) float64 { return us(r.p50) }),
			p99: median(rs, func(r roundResult) float64 { return us(r.p99) }),
			cpu: median(rs, func(r roundResult) float64 { return us(r.cpuPerReq) }),
			sys: median(rs, func(r roundResult) float64 { return r.sysPerReq }),
		}
		for _, r := range rs {
			meds[i].errors += r.errors
		}
		if targets[i].isRef {
			ref = meds[i]
		}
	}
	fmt.Println()
	fmt.Printf("| %-44s | %9s | %8s | %8s | %12s | %9s | %9s | %9s | %6s |\n", "target", "req/s", "p50 µs", "p99 µs", "CPU µs/req", "CPU ratio", "rps ratio", "syscalls", "errors")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", strings.Repeat("-", 46), strings.Repeat("-", 11), strings.Repeat("-", 10), strings.Repeat("-", 10), strings.Repeat("-", 14), strings.Repeat("-", 11), strings.Repeat("-", 11), strings.Repeat("-", 11), strings.Repeat("-", 8))
	for i, t := range targets {
		m := meds[i]
		fmt.Printf("| %-44s | %9.0f | %8.0f | %8.0f | %12.1f | %8.2f× | %8.2f× | %9.1f | %6d |\n", t.name, m.rps, m.p50, m.p99, m.cpu, m.cpu/ref.cpu, m.rps/ref.rps, m.sys, m.errors)
	}
	fmt.Println("(syscalls: read and write system calls of the proxy per request, from /proc/PID/io)")
	for i, t := range targets {
		if t.vs > 0 && t.vs < len(targets) {
			base := meds[t.vs]
			fmt.Printf("%s, %s: %+.1f%% CPU per request against traces and metrics off (%.1f vs %.1f µs)\n", targets[t.vs].name, strings.TrimPrefix(t.name, "…"),
				100*(meds[i].cpu/base.cpu-1), meds[i].cpu, base.cpu)
		}
	}
	reportFunctionCost(targets, meds)
	fmt.Println()
	fmt.Printf("start-up to first served request: %v\n", startup.Round(time.Millisecond))
	fmt.Printf("idle RSS after start: %.1f MB\n", float64(rssKB)/1024)
	fmt.Printf("hot reload, save to first response with the new code (median of 10): %v\n", reload.Round(time.Millisecond))
}

type roundResultMedians struct {
	rps, p50, p99, cpu, sys float64
	errors                  int
}
