package hooks

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookfront/hookfront/hooks/event"
)

// CheckResult validates what a hook returned for an event given as JSON, as the edge would, and
// returns the problems (nil when the result is valid). It is what `hookfront invoke` reports.
func CheckResult(eventJSON string, resultJSON string) error {
	var ev struct {
		Records []struct {
			CF struct {
				Config   struct{ EventType string } `json:"config"`
				Request  map[string]any             `json:"request"`
				Response map[string]any             `json:"response"`
			} `json:"cf"`
		} `json:"Records"`
	}
	if err := json.Unmarshal([]byte(eventJSON), &ev); err != nil || len(ev.Records) == 0 {
		return fmt.Errorf("the event is not a Lambda@Edge event (Records[0].cf): cannot validate the result")
	}
	cf := ev.Records[0].CF
	t := event.Trigger(cf.Config.EventType)
	if !t.Valid() {
		return fmt.Errorf("the event's eventType %q is not a trigger: cannot validate the result", cf.Config.EventType)
	}
	var result any
	if err := json.Unmarshal([]byte(resultJSON), &result); err != nil {
		return invalid("the result is not JSON: %v", err)
	}
	in, err := requestFromData(cf.Request)
	if err != nil {
		return fmt.Errorf("the event's request: %w", err)
	}
	// A result given as an object is compared with the event: only what the hook changed is
	// checked, as the edge does (an event may lack fields CloudFront always sends).
	m, isMap := result.(map[string]any)
	if t == event.ViewerRequest || t == event.OriginRequest {
		if !isMap {
			_, _, err := parseRequestResult(t, result, in)
			return err
		}
		_, _, err := parseRequestView(t, view{m: m, base: cf.Request}, result, in)
		return err
	}
	var inResp *event.Response
	if cf.Response != nil {
		if inResp, err = parseResponse(event.OriginResponse, cf.Response, nil); err != nil {
			return fmt.Errorf("the event's response: %w", err)
		}
	}
	if !isMap {
		_, err = parseResponse(t, result, inResp)
		return err
	}
	_, err = parseResponseView(t, view{m: m, base: cf.Response}, inResp)
	return err
}

// IsInvalidResult reports whether an error of CheckResult says that CloudFront would reject the
// result (rather than that the event gave nothing to check it against).
func IsInvalidResult(err error) bool {
	var ir *invalidResult
	return errors.As(err, &ir)
}

// requestFromData reads an event's request as the hook received it.
func requestFromData(m map[string]any) (*event.Request, error) {
	r := &event.Request{}
	r.ClientIP, _ = m["clientIp"].(string)
	r.Method, _ = m["method"].(string)
	r.URI, _ = m["uri"].(string)
	r.QueryString, _ = m["querystring"].(string)
	h, err := parseHeaders(m["headers"], "request.headers")
	if err != nil {
		return nil, err
	}
	r.Headers = h
	if b, ok := m["body"].(map[string]any); ok {
		r.Body = &event.Body{Action: "read-only", Encoding: "base64"}
		r.Body.Data, _ = b["data"].(string)
	}
	return r, nil
}
