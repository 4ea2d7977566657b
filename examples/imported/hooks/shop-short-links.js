// viewer-request on /go/* (cloudfront-js-2.0): marketing's short links, kept in a key value
// store so that they change without publishing the function: /go/spring → the store's "spring".
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    try {
        const target = await kvs.get(request.uri.slice('/go/'.length));
        return {
            statusCode: 302,
            statusDescription: 'Found',
            headers: { location: { value: target } },
        };
    } catch (e) {
        return request; // not a short link: the bucket answers, with the not-found page
    }
}
