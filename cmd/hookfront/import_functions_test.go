package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// functionsDistribution is a distribution whose behaviors use CloudFront Functions, written into
// dir; behaviors are CacheBehaviors items, the default behavior comes last.
func functionsDistribution(t *testing.T, dir, name, behaviors, defaultBehavior string) string {
	t.Helper()
	return writeFile(t, dir, name, `{"ETag": "E1", "DistributionConfig": {
  "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "app.example.com",
     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
  "CacheBehaviors": {"Items": [`+behaviors+`]},
  "DefaultCacheBehavior": {"TargetOriginId": "app", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"`+defaultBehavior+`}}}`)
}

const cfARN = "arn:aws:cloudfront::123456789012:function/"

// functionSummary is a FunctionSummary as describe-function and list-functions print it.
func functionSummary(name, stage, runtime, storeARN string) string {
	kvs := ""
	if storeARN != "" {
		kvs = `, "KeyValueStoreAssociations": {"Quantity": 1, "Items": [{"KeyValueStoreARN": "` + storeARN + `"}]}`
	}
	return `{"Name": "` + name + `", "Status": "DEPLOYED",
  "FunctionConfig": {"Comment": "", "Runtime": "` + runtime + `"` + kvs + `},
  "FunctionMetadata": {"FunctionARN": "` + cfARN + name + `", "Stage": "` + stage + `",
    "CreatedTime": "2024-01-01T00:00:00Z", "LastModifiedTime": "2024-01-01T00:00:00Z"}}`
}

// describeFunction is what `aws cloudfront describe-function --name NAME` prints.
func describeFunction(name, stage, runtime, storeARN string) string {
	return `{"ETag": "ETVPDKIKX0DER", "FunctionSummary": ` + functionSummary(name, stage, runtime, storeARN) + `}`
}

func TestImportCloudFrontFunctions(t *testing.T) {
	dir := t.TempDir()
	const storeA, storeB = "11111111-2222-3333-4444-aaaaaaaaaaaa", "11111111-2222-3333-4444-bbbbbbbbbbbb"
	kvsARN := "arn:aws:cloudfront::123456789012:key-value-store/"
	assoc := func(items ...string) string {
		return `, "FunctionAssociations": {"Quantity": ` + strconv.Itoa(len(items)) + `, "Items": [` + strings.Join(items, ", ") + `]}`
	}
	fn := func(name, event string) string {
		return `{"FunctionARN": "` + cfARN + name + `", "EventType": "` + event + `"}`
	}
	behavior := func(pattern, extra string) string {
		return `{"PathPattern": "` + pattern + `", "TargetOriginId": "app", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"` + extra + `}`
	}
	dist := functionsDistribution(t, dir, "dist.json", strings.Join([]string{
		// mapped with --function and --function-config (1.0), beside a Lambda@Edge origin hook
		behavior("/a/*", assoc(fn("rewrite", "viewer-request"))+
			`, "LambdaFunctionAssociations": {"Quantity": 1, "Items": [{"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:sign:2", "EventType": "origin-request"}]}`),
		// no --function, no --function-config
		behavior("/b/*", assoc(fn("add-headers", "viewer-response"))),
		// a store given with --kvs (by ARN)
		behavior("/c/*", assoc(fn("redirects", "viewer-request"))),
	}, ", "), assoc(fn("add-headers", "viewer-request"), fn("tagger", "viewer-response")))
	writeFile(t, dir, "hooks/rewrite.js", "function handler(event) { event.request.uri = '/x'; return event.request; }\n")
	writeFile(t, dir, "stores/redirects.json", `{"data": [{"key": "/old", "value": "/new"}]}`)
	configs := []string{
		"--function-config", writeFile(t, dir, "rewrite.json", describeFunction("rewrite", "DEVELOPMENT", "cloudfront-js-1.0", "")),
		"--function-config", writeFile(t, dir, "unused.json", describeFunction("unused", "LIVE", "cloudfront-js-2.0", "")),
		// list-functions, with both stages of redirects: the LIVE one counts
		"--function-config", writeFile(t, dir, "list.json", `{"FunctionList": {"Quantity": 3, "Items": [`+
			functionSummary("redirects", "LIVE", "cloudfront-js-2.0", kvsARN+storeA)+", "+
			functionSummary("redirects", "DEVELOPMENT", "cloudfront-js-1.0", "")+", "+
			functionSummary("tagger", "LIVE", "cloudfront-js-2.0", kvsARN+storeB)+`]}}`),
	}
	cfg := filepath.Join(dir, "hookfront.yaml")
	args := append([]string{"import", dist, "-o", cfg, "--function", "rewrite=rewrite.js", "--kvs", kvsARN + storeA + "=stores/redirects.json"}, configs...)
	out, errOut, code := runInProcess(t, args...)
	if code != 0 || !strings.Contains(out, cfg+": OK") {
		t.Fatalf("import: exit %d %q\n%s", code, out, errOut)
	}
	b, _ := os.ReadFile(cfg)
	got := string(b)
	for _, want := range []string{
		"key_value_stores:\n  # key value store " + kvsARN + storeA + "\n  - name: " + storeA + "\n    file: stores/redirects.json\n" +
			"  # key value store " + kvsARN + storeB + "\n  - name: " + storeB + "\n    file: kvs/" + storeB + ".json\n",
		"  - path_pattern: /a/*\n    target: app\n    cache_policy: CachingOptimized\n    hooks:\n      origin-request: sign.js\n" +
			"    functions:\n      viewer-request:\n        file: rewrite.js\n        runtime: cloudfront-js-1.0\n",
		"  # add-headers: runtime cloudfront-js-2.0 assumed (no --function-config for it)\n  - path_pattern: /b/*\n    target: app\n    cache_policy: CachingOptimized\n" +
			"    functions:\n      viewer-response: add-headers.js\n",
		"  - path_pattern: /c/*\n    target: app\n    cache_policy: CachingOptimized\n    functions:\n      viewer-request:\n        file: redirects.js\n" +
			"        runtime: cloudfront-js-2.0\n        key_value_store: " + storeA + "\n",
		"    functions:\n      viewer-request: add-headers.js\n      viewer-response:\n        file: tagger.js\n        runtime: cloudfront-js-2.0\n        key_value_store: " + storeB + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the config lacks\n%s\nin:\n%s", want, got)
		}
	}
	for _, want := range []string{
		"warning: DistributionConfig.CacheBehaviors.Items[1].FunctionAssociations: " + cfARN + "add-headers has no --function: bound to hooks/add-headers.js",
		"warning: DistributionConfig.CacheBehaviors.Items[1].FunctionAssociations: the distribution does not say the runtime or key value store of " + cfARN +
			"add-headers: it runs as cloudfront-js-2.0 without a store; give the output of `aws cloudfront describe-function --name add-headers` with --function-config",
		"warning: DistributionConfig.DefaultCacheBehavior.FunctionAssociations: key value store " + kvsARN + storeB + " has no --kvs: declared with kvs/" + storeB + ".json",
		"warning: DistributionConfig.CacheBehaviors.Items[0].FunctionAssociations: --function-config " + configs[1] + " describes the DEVELOPMENT stage of rewrite",
		"warning: --function-config " + configs[3] + ": the distribution does not use function unused",
		"warning: DistributionConfig.CacheBehaviors.Items[0].LambdaFunctionAssociations: arn:aws:lambda:us-east-1:123456789012:function:sign:2 has no --function",
		"0 field(s) not mapped",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the output lacks %q:\n%s", want, errOut)
		}
	}
	for _, unwanted := range []string{"has no --function: bound to hooks/rewrite.js", "does not say the runtime or key value store of " + cfARN + "redirects",
		"list.json: the distribution does not use", "not mapped:"} {
		if strings.Contains(errOut, unwanted) {
			t.Errorf("the output has %q:\n%s", unwanted, errOut)
		}
	}
	if n := strings.Count(errOut, "does not say the runtime"); n != 1 {
		t.Errorf("the missing runtime of add-headers is said %d times, want once", n)
	}
	// The stubs pass the request, the response, or (bound to both triggers) either through; a
	// file that exists is kept, and so is a store --kvs named.
	for file, want := range map[string]string{
		"hooks/add-headers.js": "//   " + cfARN + "add-headers (viewer-response, viewer-request)\n// Put the function's code here; until then this passes the request or response through.\n" +
			"function handler(event) {\n    return event.response || event.request;\n}\n",
		"hooks/redirects.js":      "function handler(event) {\n    return event.request;\n}\n",
		"hooks/tagger.js":         "function handler(event) {\n    return event.response;\n}\n",
		"hooks/sign.js":           "exports.handler = async (event) => {",
		"hooks/rewrite.js":        "event.request.uri = '/x'",
		"kvs/" + storeB + ".json": "{\"data\": []}\n",
		"stores/redirects.json":   `"/old"`,
	} {
		if b, err := os.ReadFile(filepath.Join(dir, file)); err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s: %v\n%s\nwant it to hold %q", file, err, b, want)
		}
	}
	// Each stub runs as CloudFront's TestFunction would run it, and passes the event through.
	event := writeFile(t, dir, "event.json", `{"version": "1.0", "context": {"eventType": "viewer-response"}, "viewer": {"ip": "1.2.3.4"},
  "request": {"method": "GET", "uri": "/b/x", "querystring": {}, "headers": {}, "cookies": {}},
  "response": {"statusCode": 200, "statusDescription": "OK", "headers": {"x-a": {"value": "1"}}, "cookies": {}}}`)
	for _, file := range []string{"add-headers.js", "tagger.js"} {
		out, errOut, code := runInProcess(t, "invoke", filepath.Join(dir, "hooks", file), "--event", event, "--runtime", "cloudfront-js-2.0")
		if code != 0 || !strings.Contains(out, `"response"`) || !strings.Contains(out, `"x-a"`) {
			t.Errorf("invoke %s: exit %d %s\n%s", file, code, out, errOut)
		}
	}
}

func TestImportCloudFrontFunctionErrors(t *testing.T) {
	dir := t.TempDir()
	kvs := "arn:aws:cloudfront::123456789012:key-value-store/11111111-2222-3333-4444-aaaaaaaaaaaa"
	mixed := functionsDistribution(t, dir, "mixed.json", `{"PathPattern": "/img/*", "TargetOriginId": "app", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "`+cfARN+`resize", "EventType": "viewer-request"}]},
    "LambdaFunctionAssociations": {"Quantity": 1, "Items": [{"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:headers:4", "EventType": "viewer-response"}]}}`, "")
	one := functionsDistribution(t, dir, "one.json", "", `, "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "`+cfARN+`resize", "EventType": "viewer-request"}]}`)
	origin := functionsDistribution(t, dir, "origin.json", "", `, "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "`+cfARN+`resize", "EventType": "origin-request"}]}`)
	both := functionsDistribution(t, dir, "both.json", "", `, "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "`+cfARN+`resize", "EventType": "viewer-request"}]},
    "LambdaFunctionAssociations": {"Quantity": 1, "Items": [{"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:resize:1", "EventType": "origin-request"}]}`)
	cases := []importRefusal{
		{"a function and a Lambda@Edge function on viewer triggers", []string{mixed},
			"mixed.json: DistributionConfig.CacheBehaviors.Items[0] (path pattern /img/*): the CloudFront Function " + cfARN + "resize (viewer-request) and the Lambda@Edge function " +
				"arn:aws:lambda:us-east-1:123456789012:function:headers:4 (viewer-response) are both on viewer triggers; CloudFront does not combine the two on viewer triggers of one behavior"},
		{"a function on an origin trigger", []string{origin},
			`DistributionConfig.DefaultCacheBehavior (path pattern *).FunctionAssociations: "origin-request": CloudFront Functions run only on viewer-request and viewer-response`},
		{"one file for both kinds", []string{both},
			"hooks/resize.js would be both the Lambda@Edge function arn:aws:lambda:us-east-1:123456789012:function:resize:1 and the CloudFront Function " + cfARN + "resize; give one of them its own file with --function ARN=FILE"},
		{"get-function's output", []string{one, "--function-config", writeFile(t, dir, "code.json", `{"ETag": "E2", "ContentType": "application/octet-stream"}`)},
			"code.json: the output of get-function, which holds only the function's code (in its outfile); give the output of aws cloudfront describe-function --name NAME"},
		{"not JSON", []string{one, "--function-config", writeFile(t, dir, "bad.json", "Name: resize")},
			"bad.json: not JSON of a function"},
		{"a store on 1.0", []string{one, "--function-config", writeFile(t, dir, "old.json", describeFunction("resize", "LIVE", "cloudfront-js-1.0", kvs))},
			"old.json: function resize is cloudfront-js-1.0 with a key value store; key value stores need cloudfront-js-2.0"},
		{"an unknown runtime", []string{one, "--function-config", writeFile(t, dir, "new.json", describeFunction("resize", "LIVE", "cloudfront-js-3.0", ""))},
			`new.json: function resize: runtime "cloudfront-js-3.0" is not one hookfront runs`},
		{"--kvs without --function-config", []string{one, "--kvs", "redirects=kvs/r.json"},
			`--kvs redirects=…: no function of the distribution uses key value store "redirects" (no --function-config names a store`},
		{"--kvs of another store", []string{one, "--function-config", writeFile(t, dir, "kvs.json", describeFunction("resize", "LIVE", "cloudfront-js-2.0", kvs)), "--kvs", "other=kvs/o.json"},
			`--kvs other=…: no function of the distribution uses key value store "other" (the stores its functions use: 11111111-2222-3333-4444-aaaaaaaaaaaa)`},
	}
	importRefuses(t, dir, cases)
}
