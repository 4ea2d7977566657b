package edge

import (
	"context"
	"io"
	"net/http"
	"slices"
	"time"
)

// prober runs one member's active health probes in the background.
type prober struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// probeUserAgent identifies health probes in the origin's logs.
const probeUserAgent = "hookfront-health-check"

func startProber(m *memberHealth, a ActiveHealth) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(a.Interval)
		defer t.Stop()
		for {
			m.probeOnce(ctx, &a)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// stop ends the probes and waits for a probe in flight to give up.
func (p *prober) stop() {
	p.cancel()
	<-p.done
}

// probeOnce probes the reads class, and the writes class when a write path is given.
func (m *memberHealth) probeOnce(ctx context.Context, a *ActiveHealth) {
	res := probe(ctx, m.origin.Load(), http.MethodGet, a.Path, a)
	if ctx.Err() != nil {
		return // stopped mid-probe: says nothing about the origin
	}
	m.class[classReads].probedResult(m, classReads, res, a)
	if a.WritePath == "" {
		return
	}
	method := a.WriteMethod
	if method == "" {
		method = http.MethodPost
	}
	res = probe(ctx, m.origin.Load(), method, a.WritePath, a)
	if ctx.Err() != nil {
		return
	}
	m.class[classWrites].probedResult(m, classWrites, res, a)
}

// probe sends one health request to o, bounded by the probe timeout: a probe that hangs costs
// only its own timeout. It goes through the origin's own transport (its dialer, TLS settings and
// custom headers), to the origin's host; the path is not prefixed with the origin path.
func probe(ctx context.Context, o *Origin, method, path string, a *ActiveHealth) ProbeResult {
	start := time.Now()
	res := ProbeResult{Time: start, Method: method, Path: path}
	ctx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, o.URL.Scheme+"://"+o.URL.Host+path, http.NoBody)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for k, v := range o.CustomHeaders {
		req.Header[k] = v
	}
	if dropsAcceptEncoding(o.CustomHeaders) {
		delete(req.Header, "Accept-Encoding") // as on the origin's requests (acceptencoding_drop.go)
	}
	req.Header.Set("User-Agent", probeUserAgent)
	resp, err := o.transport.RoundTrip(req)
	res.DurationMS = ms(time.Since(start))
	if err != nil {
		res.Error = errorKind(err)
		if res.Error == "error" {
			res.Error = err.Error()
		}
		return res
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
	res.Status = resp.StatusCode
	if len(a.ExpectStatus) == 0 {
		res.OK = resp.StatusCode >= 200 && resp.StatusCode < 300
	} else {
		res.OK = slices.Contains(a.ExpectStatus, resp.StatusCode)
	}
	return res
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
