// origin-request (every origin attempt): on failover this runs twice, once per origin — watch
// the log lines, and the x-hook-origin header the origin-response hook adds.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const origin = request.origin.custom;
  console.log('origin-request: trying %s:%d for %s', origin.domainName, origin.port, request.uri);
  request.headers['x-hook-attempt'] = [{ key: 'X-Hook-Attempt', value: origin.domainName + ':' + origin.port }];
  return request;
};
