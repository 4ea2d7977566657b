// viewer-request: send German-speaking viewers to /de/... with a 302, generated at the edge.
exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const lang = (request.headers['accept-language'] || [{ value: '' }])[0].value;
  if (lang.toLowerCase().startsWith('de') && !request.uri.startsWith('/de/')) {
    const qs = request.querystring ? '?' + request.querystring : '';
    console.log('redirecting %s', request.uri);
    return callback(null, {
      status: '302',
      statusDescription: 'Found',
      headers: { location: [{ key: 'Location', value: '/de' + request.uri + qs }] },
    });
  }
  callback(null, request);
};
