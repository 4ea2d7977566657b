// origin-response: cache successful responses for 5 minutes unless the origin said otherwise,
// and never cache errors at the viewer. The edge caches what this hook returns.
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const status = Number(response.status);
  if (status >= 200 && status < 300 && !response.headers['cache-control']) {
    response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'public, max-age=300' }];
  }
  if (status >= 400) {
    response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
  }
  return response;
};
