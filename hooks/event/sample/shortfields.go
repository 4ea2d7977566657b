package sample

// ShortFields are the fields a short-form Lambda@Edge event may have: "" names the event's own,
// "request" and "response" those of its parts. Test files are checked against them when they
// are read, so that a misspelt field is reported with its line before anything runs.
var ShortFields = map[string][]string{
	"":         {"config", "request", "response"},
	"request":  {"body", "clientIp", "headers", "method", "origin", "querystring", "uri"},
	"response": {"headers", "status", "statusDescription"},
}

// FunctionShortFields are those of a short-form CloudFront Functions event, as ShortFields.
var FunctionShortFields = map[string][]string{
	"":         {"context", "request", "response", "viewer"},
	"request":  {"cookies", "headers", "method", "querystring", "uri"},
	"response": {"cookies", "headers", "statusCode", "statusDescription"},
}
