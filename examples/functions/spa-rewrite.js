// viewer-request (cloudfront-js-1.0): a single-page app. Paths without a file extension get the
// app's index.html, so that client-side routes such as /app/settings/profile load the app.
function handler(event) {
    var request = event.request;
    var last = request.uri.split('/').pop();
    if (last.indexOf('.') === -1) {
        request.uri = '/index.html';
    }
    return request;
}
