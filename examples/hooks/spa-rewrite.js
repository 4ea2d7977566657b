// viewer-request: serve a single-page app. "/" and paths without a file extension get
// /index.html from the origin; files (/app.js, /logo.png) pass unchanged.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const last = request.uri.split('/').pop();
  if (request.uri.endsWith('/') || !last.includes('.')) {
    request.uri = '/index.html';
  }
  return request;
};
