package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// clusterOptions are the flags of `hookfront-bench -cluster` (make bench-cluster).
type clusterOptions struct {
	hookfront string
	requests  int     // viewer requests per scenario
	keys      int     // distinct objects
	zipf      float64 // Zipf exponent s (> 1) of the key popularity
	conc      int
	rounds    int
	round     time.Duration
}

// clusterScenario is a set of replicas behind a round-robin balancer.
type clusterScenario struct {
	name     string
	replicas int
	shared   bool
}

// clusterResult is what one scenario measured.
type clusterResult struct {
	viewer, origin, hits int
	all, localMiss       []time.Duration // every request; the first request for a key on a replica
	errors               int
}

// siteHost is the Host every replica is asked for, as behind a load balancer: it is part of the
// cache key.
const siteHost = "www.example.test"

// runCluster measures what a shared tier does for several replicas: origin requests per 10,000
// viewer requests over a Zipf-distributed key set, the hit ratio, and the latency it adds; and
// what it costs a replica per local hit. Everything runs on 127.0.0.1, bounded in count and time.
func runCluster(opt clusterOptions) error {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return fmt.Errorf("redis-server is needed: apt-get update && apt-get install -y --no-install-recommends redis-server")
	}
	work, err := os.MkdirTemp("", "hookfront-bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin, err := buildHookfront(opt.hookfront, work)
	if err != nil {
		return err
	}
	redisAddr, stopRedis, err := startRedis(work)
	if err != nil {
		return err
	}
	defer stopRedis()
	origin := &benchOrigin{}
	originURL, stopOrigin, err := origin.start()
	if err != nil {
		return err
	}
	defer stopOrigin()

	seq := zipfSequence(opt.requests, opt.keys, opt.zipf)
	fmt.Printf("hookfront-bench -cluster: %d viewer requests per scenario over %d objects (Zipf s=%.2f, %d distinct in the sequence), %d concurrent viewers, round-robin over the replicas\n",
		len(seq), opt.keys, opt.zipf, distinct(seq), opt.conc)
	scenarios := []clusterScenario{{"1 replica", 1, false}, {"1 replica + shared tier", 1, true},
		{"3 replicas", 3, false}, {"3 replicas + shared tier", 3, true}}
	results := make([]clusterResult, len(scenarios))
	for i, sc := range scenarios {
		procs, err := startReplicas(bin, work, originURL, redisAddr, sc, i)
		if err != nil {
			return err
		}
		results[i] = runSequence(procs, seq, origin, opt.conc)
		for _, p := range procs {
			p.stop()
		}
	}
	reportCluster(scenarios, results)
	return hitPathCPU(bin, work, originURL, redisAddr, opt)
}

// buildHookfront returns bin, or builds hookfront into work.
func buildHookfront(bin, work string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(work, "hookfront")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/hookfront").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building hookfront: %v\n%s", err, out)
	}
	return bin, nil
}

// startRedis runs redis-server on a free loopback port in work, persisting nothing.
func startRedis(work string) (string, func(), error) {
	addr, err := freePort()
	if err != nil {
		return "", nil, err
	}
	_, port, _ := strings.Cut(addr, ":")
	dir := filepath.Join(work, "redis")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--logfile", "")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting redis-server: %w", err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server did not listen on %s within 15s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startReplicas starts a scenario's hookfront processes, access logs off; each scenario has a
// key prefix of its own, so it starts with an empty shared tier.
func startReplicas(bin, work, originURL, redisAddr string, sc clusterScenario, n int) ([]*process, error) {
	shared := ""
	if sc.shared {
		shared = fmt.Sprintf("  shared: {url: \"redis://%s/0\", key_prefix: \"bench%d:\"}\n", redisAddr, n)
	}
	cfg := filepath.Join(work, fmt.Sprintf("cluster-%d.yaml", n))
	body := fmt.Sprintf("origins: [{id: o, url: %s}]\nbehaviors: [{path_pattern: \"*\", target: o}]\ncache:\n%s", originURL, shared)
	if !sc.shared {
		body = strings.TrimSuffix(body, "cache:\n")
	}
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		return nil, err
	}
	var procs []*process
	for range sc.replicas {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p, err := startProcess(bin, port, "serve", "--config", cfg, "--listen", port, "--log-level", "warn", "--admin", "off")
		if err != nil {
			return nil, err
		}
		if _, err := firstResponse("http://"+p.addr+"/ready", time.Now()); err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	if sc.shared { // the store is connected in the background: wait for it to answer
		time.Sleep(500 * time.Millisecond)
	}
	return procs, nil
}

// benchOrigin serves 4 KiB objects, cacheable for an hour, and counts requests.
type benchOrigin struct{ hits atomic.Int64 }

func (o *benchOrigin) start() (string, func(), error) {
	body := []byte(strings.Repeat("o", 4096))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}

// zipfSequence is the keys of n requests over keys objects, Zipf-distributed with exponent s
// (a fixed seed: every scenario and every run sees the same sequence).
func zipfSequence(n, keys int, s float64) []int {
	z := rand.NewZipf(rand.New(rand.NewSource(15)), s, 1, uint64(keys-1))
	seq := make([]int, n)
	for i := range seq {
		seq[i] = int(z.Uint64())
	}
	return seq
}

func distinct(seq []int) int {
	seen := map[int]bool{}
	for _, k := range seq {
		seen[k] = true
	}
	return len(seen)
}

// runSequence sends the sequence's requests, request i to replica i mod n, from conc viewers
// (bounded: the sequence's length, and two minutes).
func runSequence(procs []*process, seq []int, origin *benchOrigin, conc int) clusterResult {
	before := origin.hits.Load()
	var (
		next atomic.Int64
		mu   sync.Mutex
		res  = clusterResult{viewer: len(seq)}
		seen = make([]map[int]bool, len(procs)) // keys each replica was asked for
		wg   sync.WaitGroup
	)
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}, Timeout: 10 * time.Second}
			defer client.CloseIdleConnections()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(seq) {
					return
				}
				r := i % len(procs)
				mu.Lock()
				first := !seen[r][seq[i]]
				seen[r][seq[i]] = true
				mu.Unlock()
				req, _ := http.NewRequest("GET", "http://"+procs[r].addr+"/obj/"+strconv.Itoa(seq[i]), nil)
				req.Host = siteHost
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					res.errors++
					mu.Unlock()
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				mu.Lock()
				if resp.StatusCode != 200 {
					res.errors++
				}
				if resp.Header.Get("X-Cache") == "Hit from hookfront" {
					res.hits++
				}
				res.all = append(res.all, d)
				if first {
					res.localMiss = append(res.localMiss, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.origin = int(origin.hits.Load() - before)
	return res
}

func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[len(s)*p/100]) / float64(time.Microsecond)
}

func reportCluster(scs []clusterScenario, rs []clusterResult) {
	fmt.Println()
	fmt.Println("| scenario | origin requests per 10,000 viewer requests | hit ratio | p50 µs | p99 µs | first request on a replica: p50 µs | p99 µs | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for i, sc := range scs {
		r := rs[i]
		fmt.Printf("| %s | %.0f | %.1f%% | %.0f | %.0f | %.0f | %.0f | %d |\n", sc.name, float64(r.origin)*10000/float64(r.viewer),
			100*float64(r.hits)/float64(r.viewer), pct(r.all, 50), pct(r.all, 99), pct(r.localMiss, 50), pct(r.localMiss, 99), r.errors)
	}
	for i := 1; i < len(scs); i += 2 { // each shared scenario follows the same replicas without
		a, b := rs[i-1], rs[i]
		fmt.Printf("added by the shared tier, %s: p50 %+.0f µs, p99 %+.0f µs; on a replica's first request for a key: p50 %+.0f µs, p99 %+.0f µs\n",
			scs[i-1].name, pct(b.all, 50)-pct(a.all, 50), pct(b.all, 99)-pct(a.all, 99), pct(b.localMiss, 50)-pct(a.localMiss, 50), pct(b.localMiss, 99)-pct(a.localMiss, 99))
	}
}

// hitPathCPU compares the CPU a replica spends per local hit with and without a shared tier, in
// interleaved rounds (medians), and how many commands the store got meanwhile.
func hitPathCPU(bin, work, originURL, redisAddr string, opt clusterOptions) error {
	var targets []target
	for i, shared := range []bool{false, true} {
		procs, err := startReplicas(bin, work, originURL, redisAddr, clusterScenario{replicas: 1, shared: shared}, 10+i)
		if err != nil {
			return err
		}
		defer procs[0].stop()
		name := "1 replica, local hit, no shared tier"
		if shared {
			name = "1 replica, local hit, shared tier on"
		}
		targets = append(targets, target{name: name, proc: procs[0], path: "/obj/hot"})
	}
	if _, err := redisCmd(redisAddr, "CONFIG", "RESETSTAT"); err != nil {
		return err
	}
	results := make([][]roundResult, len(targets))
	for range opt.rounds {
		for i, t := range targets {
			r, err := measure(t, opt.round, opt.conc)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			results[i] = append(results[i], r)
		}
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	cpu := make([]float64, len(targets))
	fmt.Println()
	fmt.Printf("| hit path (%d rounds of %v, medians) | req/s | p50 µs | p99 µs | CPU µs/req |\n|---|---|---|---|---|\n", opt.rounds, opt.round)
	for i, t := range targets {
		rs := results[i]
		cpu[i] = median(rs, func(r roundResult) float64 { return us(r.cpuPerReq) })
		fmt.Printf("| %s | %.0f | %.0f | %.0f | %.1f |\n", t.name, median(rs, func(r roundResult) float64 { return r.rps }),
			median(rs, func(r roundResult) float64 { return us(r.p50) }), median(rs, func(r roundResult) float64 { return us(r.p99) }), cpu[i])
	}
	fmt.Printf("shared tier on the hit path: %+.1f%% CPU per request (target ≤ +10%%)\n", 100*(cpu[1]/cpu[0]-1))
	stats, err := redisCmd(redisAddr, "INFO", "commandstats")
	if err != nil {
		return err
	}
	var cmds []string
	for _, line := range strings.Split(stats, "\n") {
		if name, rest, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.HasPrefix(name, "cmdstat_") {
			calls, _, _ := strings.Cut(rest, ",")
			cmds = append(cmds, strings.TrimPrefix(name, "cmdstat_")+" "+strings.TrimPrefix(calls, "calls="))
		}
	}
	fmt.Printf("store commands during the hit-path rounds (the first request was a miss, every later one a local hit): %s\n", strings.Join(cmds, ", "))
	return nil
}

// redisCmd sends one command to the store and returns its reply's text (a bulk or simple
// string), without a client library: the harness only resets and reads statistics.
func redisCmd(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("redis: reply %q", line)
		}
		buf := make([]byte, n+2)
		_, err = io.ReadFull(r, buf)
		return string(buf[:n]), err
	}
	return "", fmt.Errorf("redis: %s", line)
}
