// viewer-request, in TypeScript: tag the request with the edge's request id and the time it
// arrived, so the origin can log them. hookfront compiles .ts files on load (types are erased).
interface Header { key?: string; value: string }
type Headers = Record<string, Header[]>;
interface Request { uri: string; headers: Headers }
interface Event { Records: { cf: { config: { requestId: string }; request: Request } }[] }

export const handler = async (event: Event): Promise<Request> => {
  const { config, request } = event.Records[0].cf;
  request.headers['x-request-id'] = [{ value: config.requestId }];
  request.headers['x-arrived-at'] = [{ value: new Date().toISOString() }];
  return request;
};
