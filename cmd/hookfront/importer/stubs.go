package importer

import (
	"fmt"
	"slices"
	"strings"
)

const lambdaStub = `// Written by ` + "`hookfront import`" + ` for the Lambda@Edge function
//   %s (%s)
// Put the function's code here; until then this passes the request or response through.
'use strict';

exports.handler = async (event) => {
  const cf = event.Records[0].cf;
  return cf.response || cf.request;
};
`

// A CloudFront Function is a script with a top-level handler, the same in both runtimes.
const functionStub = `// Written by ` + "`hookfront import`" + ` for the CloudFront Function
//   %s (%s)
// Put the function's code here; until then this passes the %s through.
function handler(event) {
    return %s;
}
`

// Code is the pass-through script to write for the stub.
func (s Stub) Code() []byte {
	triggers := strings.Join(s.Triggers, ", ")
	if !s.CloudFrontFunction {
		return fmt.Appendf(nil, lambdaStub, s.Function, triggers)
	}
	switch {
	case !slices.Contains(s.Triggers, "viewer-response"):
		return fmt.Appendf(nil, functionStub, s.Function, triggers, "request", "event.request")
	case !slices.Contains(s.Triggers, "viewer-request"):
		return fmt.Appendf(nil, functionStub, s.Function, triggers, "response", "event.response")
	}
	return fmt.Appendf(nil, functionStub, s.Function, triggers, "request or response", "event.response || event.request")
}

// EmptyStore is what a key value store file no --kvs named starts as: CloudFront's import
// format, without keys.
const EmptyStore = "{\"data\": []}\n"
