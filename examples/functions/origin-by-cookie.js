// viewer-request (cloudfront-js-2.0): viewers with the cookie "canary=1" go to the origin
// "canary", everyone else to the behavior's origin. The choice holds for every origin attempt;
// Lambda@Edge origin hooks see it in request.origin.
import cf from 'cloudfront';

function handler(event) {
    const cookie = event.request.cookies.canary;
    if (cookie && cookie.value === '1') {
        cf.selectRequestOriginById('canary');
    }
    return event.request;
}
