// viewer-response (cloudfront-js-2.0): security headers on every response, from the cache or
// the origin.
function handler(event) {
    const headers = event.response.headers;
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains; preload' };
    headers['content-security-policy'] = { value: "default-src 'self'" };
    headers['x-content-type-options'] = { value: 'nosniff' };
    headers['x-frame-options'] = { value: 'DENY' };
    headers['referrer-policy'] = { value: 'same-origin' };
    return event.response;
}
