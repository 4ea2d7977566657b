// viewer-response on the storefront: every page carries the request id, so that a support
// ticket can name the request (the security headers of the response headers policy are already
// there when this runs).
'use strict';

exports.handler = async (event) => {
  const { config, response } = event.Records[0].cf;
  response.headers['x-trace-id'] = [{ key: 'X-Trace-Id', value: config.requestId }];
  return response;
};
