package edge

import (
	"strings"
	"time"
)

// The AWS-managed policies, by the name the Developer Guide gives them and their ID. Their
// settings are those of "Use managed cache policies", "Use managed origin request policies" and
// "Use managed response headers policies" (docs/policies.md has the tables and sources); the
// Amplify-* cache policies are listed by the API (list-cache-policies --type managed) only.
// The API names most of them with a "Managed-" prefix; lookups accept either.

const (
	oneDay  = 24 * time.Hour
	oneYear = 365 * oneDay
)

var (
	allowList  = func(items ...string) NameFilter { return NameFilter{Behavior: FilterWhitelist, Items: items} }
	noneFilter = NameFilter{Behavior: FilterNone}
	allFilter  = NameFilter{Behavior: FilterAll}
)

// ManagedCachePolicies are CloudFront's managed cache policies.
var ManagedCachePolicies = []*CachePolicy{
	{ID: "2e54312d-136d-493c-8eb9-b001f22f67d2", Name: "Amplify", Comment: "Policy for Amplify Origin",
		TTL:     TTL{Min: 2 * time.Second, Default: 2 * time.Second, Max: 600 * time.Second},
		Headers: allowList("Authorization", "CloudFront-Viewer-Country", "Host"), Cookies: allFilter, QueryStrings: allFilter, Gzip: true, Brotli: true},
	{ID: "4d1d2f1d-3a71-49ad-9e08-7ea5d843a556", Name: "Amplify-Default", Comment: "Default Amplify cache policy",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Accept", "Authorization", "CloudFront-Viewer-Country", "Host"), Cookies: allFilter, QueryStrings: allFilter, Gzip: true, Brotli: true},
	{ID: "a6bad946-36c3-4c33-aa98-362c74a7fb13", Name: "Amplify-DefaultNoCookies", Comment: "Default Amplify cache policy without cookies",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Accept", "Authorization", "CloudFront-Viewer-Country", "Host"), Cookies: noneFilter, QueryStrings: allFilter, Gzip: true, Brotli: true},
	{ID: "1c6db51a-a33f-469a-8245-dae26771f530", Name: "Amplify-ImageOptimization", Comment: "Amplify cache policy for image optimization",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Accept", "Authorization", "Host"), Cookies: noneFilter, QueryStrings: allFilter, Gzip: true, Brotli: true},
	{ID: "7e5fad67-ee98-4ad0-b05a-394999eefc1a", Name: "Amplify-StaticContent", Comment: "Amplify cache policy for static content",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Authorization", "Host"), Cookies: noneFilter, QueryStrings: noneFilter, Gzip: true, Brotli: true},
	{ID: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", Name: "CachingDisabled", Comment: "Policy with caching disabled",
		Headers: noneFilter, Cookies: noneFilter, QueryStrings: noneFilter},
	{ID: "658327ea-f89d-4fab-a63d-7e88639e58f6", Name: "CachingOptimized", Comment: "Policy with caching enabled. Supports Gzip and Brotli compression.",
		TTL:     TTL{Min: time.Second, Default: oneDay, Max: oneYear},
		Headers: noneFilter, Cookies: noneFilter, QueryStrings: noneFilter, Gzip: true, Brotli: true},
	{ID: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", Name: "CachingOptimizedForUncompressedObjects", Comment: "Default policy when compression is disabled",
		TTL:     TTL{Min: time.Second, Default: oneDay, Max: oneYear},
		Headers: noneFilter, Cookies: noneFilter, QueryStrings: noneFilter},
	{ID: "08627262-05a9-4f76-9ded-b50ca2e3a84f", Name: "Elemental-MediaPackage", Comment: "Policy for Elemental MediaPackage Origin",
		TTL:     TTL{Default: oneDay, Max: oneYear},
		Headers: allowList("Origin"), Cookies: noneFilter, QueryStrings: allowList("aws.manifestfilter", "start", "end", "m"), Gzip: true},
	{ID: "83da9c7e-98b4-4e11-a168-04f0df8e2c65", Name: "UseOriginCacheControlHeaders",
		Comment: "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Host", "Origin", "X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override"), Cookies: allFilter, QueryStrings: noneFilter, Gzip: true, Brotli: true},
	{ID: "4cc15a8a-d715-48a4-82b8-cc0b614638fe", Name: "UseOriginCacheControlHeaders-QueryStrings",
		Comment: "Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
		TTL:     TTL{Max: oneYear},
		Headers: allowList("Host", "Origin", "X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override"), Cookies: allFilter, QueryStrings: allFilter, Gzip: true, Brotli: true},
}

// cloudFrontHeaders2022 are the CloudFront headers released through June 2022.
var cloudFrontHeaders2022 = []string{"CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
	"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer", "CloudFront-Is-Tablet-Viewer",
	"CloudFront-Viewer-Address", "CloudFront-Viewer-ASN", "CloudFront-Viewer-City", "CloudFront-Viewer-Country",
	"CloudFront-Viewer-Country-Name", "CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name",
	"CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude", "CloudFront-Viewer-Metro-Code",
	"CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-TLS"}

// ManagedOriginRequestPolicies are CloudFront's managed origin request policies.
var ManagedOriginRequestPolicies = []*OriginRequestPolicy{
	{ID: "216adef6-5c7f-47e4-b989-5492eafa07d3", Name: "AllViewer", Comment: "Policy to forward all parameters in viewer requests",
		Headers: NameFilter{Behavior: FilterAllViewer}, Cookies: allFilter, QueryStrings: allFilter},
	{ID: "33f36d7e-f396-46d9-90e0-52428a34d9dc", Name: "AllViewerAndCloudFrontHeaders-2022-06",
		Comment: "Policy to forward all parameters in viewer requests and all CloudFront headers released through June 2022",
		Headers: NameFilter{Behavior: FilterAllViewerAndCloudFront, Items: cloudFrontHeaders2022}, Cookies: allFilter, QueryStrings: allFilter},
	{ID: "b689b0a8-53d0-40ab-baf2-68738e2966ac", Name: "AllViewerExceptHostHeader", Comment: "Policy to forward all parameters in viewer requests except for the Host header",
		Headers: NameFilter{Behavior: FilterAllExcept, Items: []string{"Host"}}, Cookies: allFilter, QueryStrings: allFilter},
	{ID: "59781a5b-3903-41f3-afcb-af62929ccde1", Name: "CORS-CustomOrigin", Comment: "Policy for origin request headers for CORS for custom origins",
		Headers: allowList("Origin"), Cookies: noneFilter, QueryStrings: noneFilter},
	{ID: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", Name: "CORS-S3Origin", Comment: "Policy for origin request headers for CORS for S3 origins",
		Headers: allowList("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method"), Cookies: noneFilter, QueryStrings: noneFilter},
	{ID: "775133bc-15f2-49f9-abea-afb2e0bf67d2", Name: "Elemental-MediaTailor-PersonalizedManifests", Comment: "Policy for Elemental MediaTailor Origin",
		Headers: allowList("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method", "User-Agent", "X-Forwarded-For"),
		Cookies: noneFilter, QueryStrings: allFilter},
	{ID: "bf0718e1-ba1e-49d1-88b1-f726733018ae", Name: "HostHeaderOnly", Comment: "Policy to forward only the Host header",
		Headers: allowList("Host"), Cookies: noneFilter, QueryStrings: noneFilter},
	{ID: "acba4595-bd28-49b8-b9fe-13317c0390fa", Name: "UserAgentRefererHeaders", Comment: "Policy to forward the User-Agent and Referer headers",
		Headers: allowList("User-Agent", "Referer"), Cookies: noneFilter, QueryStrings: noneFilter},
}

// managedSecurityHeaders are SecurityHeadersPolicy's headers: only X-Content-Type-Options
// overrides the origin's.
func managedSecurityHeaders() *SecurityHeaders {
	return &SecurityHeaders{
		ContentTypeOptions:      &CustomHeader{Override: true},
		FrameOptions:            &CustomHeader{Value: "SAMEORIGIN"},
		ReferrerPolicy:          &CustomHeader{Value: "strict-origin-when-cross-origin"},
		StrictTransportSecurity: &HSTS{MaxAgeSec: 31536000},
		XSSProtection:           &XSSProtection{Protection: true, ModeBlock: true},
	}
}

func simpleCORS() *CORSConfig { return &CORSConfig{AllowOrigins: []string{"*"}, MaxAgeSec: -1} }

func preflightCORS() *CORSConfig {
	return &CORSConfig{AllowOrigins: []string{"*"}, AllowMethods: []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"},
		ExposeHeaders: []string{"*"}, MaxAgeSec: -1}
}

// ManagedResponseHeadersPolicies are CloudFront's managed response headers policies.
var ManagedResponseHeadersPolicies = []*ResponseHeadersPolicy{
	{ID: "e61eb60c-9c35-4d20-a928-2b84e02af89c", Name: "CORS-and-SecurityHeadersPolicy",
		Comment: "Allows all origins for simple CORS requests, and adds security headers",
		CORS:    simpleCORS(), Security: managedSecurityHeaders()},
	{ID: "5cc3b908-e619-4b99-88e5-2cf7f45965bd", Name: "CORS-With-Preflight",
		Comment: "Allows all origins for CORS requests, including preflight requests", CORS: preflightCORS()},
	{ID: "eaab4381-ed33-4a86-88ca-d9558dc6cd63", Name: "CORS-with-preflight-and-SecurityHeadersPolicy",
		Comment: "Allows all origins for CORS requests, including preflight requests, and adds security headers",
		CORS:    preflightCORS(), Security: managedSecurityHeaders()},
	{ID: "67f7725c-6f97-4210-82d7-5512b31e9d03", Name: "SecurityHeadersPolicy",
		Comment: "Adds a set of security headers to every response", Security: managedSecurityHeaders()},
	{ID: "60669652-455b-4ae9-85a4-c4c02393f86c", Name: "SimpleCORS",
		Comment: "Allows all origins for simple CORS requests", CORS: simpleCORS()},
}

// managedMatch reports whether ref names the managed policy with this id and name: its ID, its
// name, or its name with the API's "Managed-" prefix (names ignore case, as IDs do).
func managedMatch(ref, id, name string) bool {
	return strings.EqualFold(ref, id) || strings.EqualFold(ref, name) || strings.EqualFold(ref, "Managed-"+name)
}

// ManagedCachePolicy finds a managed cache policy by ID or name.
func ManagedCachePolicy(ref string) *CachePolicy {
	for _, p := range ManagedCachePolicies {
		if managedMatch(ref, p.ID, p.Name) {
			return p
		}
	}
	return nil
}

// ManagedOriginRequestPolicy finds a managed origin request policy by ID or name.
func ManagedOriginRequestPolicy(ref string) *OriginRequestPolicy {
	for _, p := range ManagedOriginRequestPolicies {
		if managedMatch(ref, p.ID, p.Name) {
			return p
		}
	}
	return nil
}

// ManagedResponseHeadersPolicy finds a managed response headers policy by ID or name.
func ManagedResponseHeadersPolicy(ref string) *ResponseHeadersPolicy {
	for _, p := range ManagedResponseHeadersPolicies {
		if managedMatch(ref, p.ID, p.Name) {
			return p
		}
	}
	return nil
}
