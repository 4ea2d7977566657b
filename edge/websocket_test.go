package edge

import (
	"crypto/tls"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/hookfront/hookfront/hooks/event"
)

// echoOrigin is a WebSocket echo server that remembers the handshakes' headers.
type echoOrigin struct {
	*origin
	mu      sync.Mutex
	headers []http.Header
}

func newEchoOrigin(t *testing.T) *echoOrigin {
	t.Helper()
	e := &echoOrigin{}
	echo := websocket.Handler(func(ws *websocket.Conn) {
		for {
			var msg string
			if err := websocket.Message.Receive(ws, &msg); err != nil {
				return
			}
			if err := websocket.Message.Send(ws, "echo: "+msg); err != nil {
				return
			}
		}
	})
	e.origin = newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.headers = append(e.headers, r.Header.Clone())
		e.mu.Unlock()
		echo.ServeHTTP(w, r)
	})
	return e
}

// roundTrips opens a WebSocket to u (ws:// or wss://) and checks a few messages come back.
func roundTrips(t *testing.T, u string, tc *tls.Config) {
	t.Helper()
	cfg, err := websocket.NewConfig(u, "http://localhost/")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TlsConfig = tc
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("dialing %s through the edge: %v", u, err)
	}
	defer ws.Close()
	_ = ws.SetDeadline(time.Now().Add(10 * time.Second))
	for _, msg := range []string{"hello", "live reload"} {
		if err := websocket.Message.Send(ws, msg); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := websocket.Message.Receive(ws, &got); err != nil {
			t.Fatal(err)
		}
		if got != "echo: "+msg {
			t.Fatalf("got %q back, want %q", got, "echo: "+msg)
		}
	}
}

func TestWebSocketThroughTheEdge(t *testing.T) {
	o := newEchoOrigin(t)
	h := &recorder{bound: map[event.Trigger]bool{event.ViewerRequest: true, event.OriginRequest: true, event.OriginResponse: true, event.ViewerResponse: true},
		onReq: func(tr event.Trigger, r *event.Request) (*event.Request, *event.Response, error) {
			if tr == event.ViewerRequest {
				r.Headers["x-from-hook"] = []event.HeaderValue{{Key: "X-From-Hook", Value: "viewer-request"}}
			}
			return r, nil, nil
		}}
	d := &Distribution{Origins: []*Origin{org(t, "o", o.URL)}, Behaviors: []*Behavior{behavior(t, "*", "o")}}
	plain, secure, client := dualEdge(t, d, Options{Hooks: h})

	tc := client.Transport.(*http.Transport).TLSClientConfig
	roundTrips(t, "ws"+strings.TrimPrefix(plain, "http")+"/socket", nil)
	roundTrips(t, "wss"+strings.TrimPrefix(secure, "https")+"/socket", tc)

	if n := o.hits.Load(); n != 2 {
		t.Fatalf("the origin saw %d handshakes, want 2: an upgrade is never answered from the cache", n)
	}
	// Request hooks ran on each upgrade; response hooks have nothing to change on a 101.
	if got, want := h.took(), "viewer-request, origin-request o, viewer-request, origin-request o"; got != want {
		t.Fatalf("hooks: %q, want %q", got, want)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, hdr := range o.headers {
		if hdr.Get("X-From-Hook") != "viewer-request" || hdr.Get("Sec-Websocket-Key") == "" || hdr.Get("Via") != "1.1 hookfront" {
			t.Fatalf("the origin's handshake headers lack the hook's header, the key or Via: %v", hdr)
		}
	}
}

func TestWebSocketFailsOverBeforeTheSwitchOnly(t *testing.T) {
	down := newOrigin(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	o := newEchoOrigin(t)
	members := []*Origin{org(t, "down", down.URL), org(t, "gone", closedAddr(t)), org(t, "o", o.URL)}
	d := &Distribution{Origins: members, Groups: []*Group{group("g", []int{503}, members...)}, Behaviors: []*Behavior{behavior(t, "*", "g")}}
	_, ts := edgeServer(t, d, Options{})
	roundTrips(t, "ws"+strings.TrimPrefix(ts.URL, "http")+"/socket", nil)
	if down.hits.Load() != 1 || o.hits.Load() != 1 {
		t.Fatalf("primary %d, last member %d handshakes; want one each (503 and a refused connection fail over)", down.hits.Load(), o.hits.Load())
	}
}
