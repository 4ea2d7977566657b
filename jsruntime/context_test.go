package jsruntime

import (
	"fmt"
	"testing"
	"time"
)

// What a hook sets on its context argument is its call's only, as each Lambda invocation gets a
// context of its own: the runtime reused the object, and the next request saw context.user.
func TestContextIsPerCall(t *testing.T) {
	p := poolWith(t, Options{MaxPool: 1}, map[string]string{"h.js": `exports.handler = (event, context) => {
  const seen = {user: context.user ?? null, wait: context.callbackWaitsForEmptyEventLoop, version: context.functionVersion};
  context.user = event.user;
  context.callbackWaitsForEmptyEventLoop = false;
  delete context.functionVersion;
  return {seen, keys: Object.keys(context), json: JSON.stringify(context), id: context.awsRequestId,
    left: context.getRemainingTimeInMillis() > 0, has: 'user' in context && !('functionVersion' in context)};
};`}, "h.js")
	want := []string{
		`map[has:true id:r1 json:{"functionName":"f","awsRequestId":"r1","memoryLimitInMB":"128","callbackWaitsForEmptyEventLoop":false,"user":"alice"} keys:[functionName awsRequestId memoryLimitInMB callbackWaitsForEmptyEventLoop getRemainingTimeInMillis user] left:true seen:map[user:<nil> version:$LATEST wait:true]]`,
		`map[has:true id:r1 json:{"functionName":"f","awsRequestId":"r1","memoryLimitInMB":"128","callbackWaitsForEmptyEventLoop":false,"user":"bob"} keys:[functionName awsRequestId memoryLimitInMB callbackWaitsForEmptyEventLoop getRemainingTimeInMillis user] left:true seen:map[user:<nil> version:$LATEST wait:true]]`,
	}
	for i, u := range []string{"alice", "bob"} {
		got, err := call(t, p, "h.js", map[string]any{"user": u}, time.Second)
		if err != nil || fmt.Sprint(got) != want[i] {
			t.Fatalf("call %d: %v %v\nwant %s", i, got, err, want[i])
		}
	}
}
