package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fullCache is what filling a default-size cache measured.
type fullCache struct {
	rssKB, peakKB int64
	cpuPerReq     time.Duration
	took          time.Duration
}

// fillCache fills the default-size cache (256 MB, no config file) with 1 KiB objects under
// unique URLs, n requests from conc connections, and measures the process's resident memory at
// the end and at its peak, and its CPU time per request. The requests are bounded in count and
// by a deadline.
func fillCache(bin, origin string, n, conc int) (fc fullCache, err error) {
	port, err := freePort()
	if err != nil {
		return fc, err
	}
	p, err := startProcess(bin, port, "serve", "--origin", origin, "--listen", port, "--log-level", "warn")
	if err != nil {
		return fc, err
	}
	defer p.stop()
	if _, err := firstResponse("http://"+p.addr+"/ready/cached", time.Now()); err != nil {
		return fc, err
	}
	cpu0, err := p.cpu()
	if err != nil {
		return fc, err
	}
	start := time.Now()
	deadline := start.Add(5 * time.Minute)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
			defer client.CloseIdleConnections()
			for i := next.Add(1); i <= int64(n) && time.Now().Before(deadline); i = next.Add(1) {
				resp, err := client.Get("http://" + p.addr + "/fill/" + strconv.FormatInt(i, 10) + "/cached")
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	fc.took = time.Since(start)
	if f := failed.Load(); f > int64(n)/100 {
		return fc, fmt.Errorf("%d of %d fill requests failed", f, n)
	}
	cpu1, err := p.cpu()
	if err != nil {
		return fc, err
	}
	fc.cpuPerReq = (cpu1 - cpu0) / time.Duration(n)
	fc.rssKB, fc.peakKB = p.rssKB(), p.statusKB("VmHWM:")
	return fc, nil
}

// statusKB reads a kB field of /proc/PID/status (VmRSS:, VmHWM:…).
func (p *process) statusKB(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}
