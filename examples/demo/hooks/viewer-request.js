// viewer-request (every request, hit or miss): /old/* moved permanently — answered at the edge,
// the origin is never asked.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/old/')) {
    return {
      status: '301',
      statusDescription: 'Moved Permanently',
      headers: { location: [{ key: 'Location', value: request.uri.replace('/old/', '/') }] },
    };
  }
  return request;
};
