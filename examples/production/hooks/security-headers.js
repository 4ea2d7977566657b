// viewer-response: security headers on every response.
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const h = response.headers;
  h['strict-transport-security'] = [{ key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' }];
  h['x-content-type-options'] = [{ key: 'X-Content-Type-Options', value: 'nosniff' }];
  return response;
};
