package hooks

// ClassOf is the CloudFront error class of an error a hook call ended with, or of a problem
// CheckResult found (LambdaValidationError); any other error is an execution error.
func ClassOf(err error) Class { return classify(err) }
