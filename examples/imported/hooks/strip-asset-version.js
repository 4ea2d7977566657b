// viewer-request on /assets/* (cloudfront-js-1.0): pages link app.3f9a2c1b.js, a name per
// release, so that browsers fetch each release anew; the bucket keeps a single app.js.
function handler(event) {
    var request = event.request;
    request.uri = request.uri.replace(/^(\/assets\/.+)\.[0-9a-f]{8}(\.[A-Za-z0-9]+)$/, '$1$2');
    return request;
}
