package importer

import "encoding/json"

// The shapes of the CloudFront API's JSON (as `aws cloudfront get-distribution-config` and
// get-cache-policy etc. print them), as far as the import reads them. Field names are the API's
// (API Reference: DistributionConfig, CachePolicyConfig, OriginRequestPolicyConfig,
// ResponseHeadersPolicyConfig).

// list is the API's {Quantity, Items} wrapper.
type list[T any] struct {
	Quantity int `json:"Quantity"`
	Items    []T `json:"Items"`
}

func (l *list[T]) items() []T {
	if l == nil {
		return nil
	}
	return l.Items
}

// oneOrMany decodes data as a JSON array of T, or else as one T.
func oneOrMany[T any](data []byte) ([]T, error) {
	var many []T
	if json.Unmarshal(data, &many) == nil {
		return many, nil
	}
	var one T
	if err := json.Unmarshal(data, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

type distributionConfig struct {
	CallerReference      string                     `json:"CallerReference"`
	Aliases              *list[string]              `json:"Aliases"`
	DefaultRootObject    string                     `json:"DefaultRootObject"`
	Origins              *list[json.RawMessage]     `json:"Origins"`
	OriginGroups         *list[originGroup]         `json:"OriginGroups"`
	DefaultCacheBehavior json.RawMessage            `json:"DefaultCacheBehavior"`
	CacheBehaviors       *list[json.RawMessage]     `json:"CacheBehaviors"`
	CustomErrorResponses *list[customErrorResponse] `json:"CustomErrorResponses"`
	Comment              string                     `json:"Comment"`
	Logging              *struct {
		Enabled bool   `json:"Enabled"`
		Bucket  string `json:"Bucket"`
	} `json:"Logging"`
	PriceClass        string `json:"PriceClass"`
	Enabled           *bool  `json:"Enabled"`
	ViewerCertificate *struct {
		CloudFrontDefaultCertificate bool   `json:"CloudFrontDefaultCertificate"`
		ACMCertificateArn            string `json:"ACMCertificateArn"`
		IAMCertificateId             string `json:"IAMCertificateId"`
	} `json:"ViewerCertificate"`
	Restrictions *struct {
		GeoRestriction struct {
			RestrictionType string `json:"RestrictionType"`
		} `json:"GeoRestriction"`
	} `json:"Restrictions"`
	WebACLId                     string `json:"WebACLId"`
	HttpVersion                  string `json:"HttpVersion"`
	IsIPV6Enabled                *bool  `json:"IsIPV6Enabled"`
	ContinuousDeploymentPolicyId string `json:"ContinuousDeploymentPolicyId"`
	Staging                      *bool  `json:"Staging"`
}

type origin struct {
	Id            string `json:"Id"`
	DomainName    string `json:"DomainName"`
	OriginPath    string `json:"OriginPath"`
	CustomHeaders *list[struct {
		HeaderName  string `json:"HeaderName"`
		HeaderValue string `json:"HeaderValue"`
	}] `json:"CustomHeaders"`
	S3OriginConfig *struct {
		OriginAccessIdentity string `json:"OriginAccessIdentity"`
	} `json:"S3OriginConfig"`
	CustomOriginConfig *struct {
		HTTPPort               int           `json:"HTTPPort"`
		HTTPSPort              int           `json:"HTTPSPort"`
		OriginProtocolPolicy   string        `json:"OriginProtocolPolicy"`
		OriginSslProtocols     *list[string] `json:"OriginSslProtocols"`
		OriginReadTimeout      int           `json:"OriginReadTimeout"`
		OriginKeepaliveTimeout int           `json:"OriginKeepaliveTimeout"`
	} `json:"CustomOriginConfig"`
	VpcOriginConfig           json.RawMessage `json:"VpcOriginConfig"`
	ConnectionAttempts        int             `json:"ConnectionAttempts"`
	ConnectionTimeout         int             `json:"ConnectionTimeout"`
	ResponseCompletionTimeout int             `json:"ResponseCompletionTimeout"`
	OriginShield              *struct {
		Enabled bool `json:"Enabled"`
	} `json:"OriginShield"`
	OriginAccessControlId string `json:"OriginAccessControlId"`
}

type originGroup struct {
	Id               string `json:"Id"`
	FailoverCriteria struct {
		StatusCodes list[int] `json:"StatusCodes"`
	} `json:"FailoverCriteria"`
	Members list[struct {
		OriginId string `json:"OriginId"`
	}] `json:"Members"`
	SelectionCriteria string `json:"SelectionCriteria"`
}

type cacheBehavior struct {
	PathPattern    string `json:"PathPattern"`
	TargetOriginId string `json:"TargetOriginId"`
	TrustedSigners *struct {
		Enabled bool `json:"Enabled"`
	} `json:"TrustedSigners"`
	TrustedKeyGroups *struct {
		Enabled bool `json:"Enabled"`
	} `json:"TrustedKeyGroups"`
	ViewerProtocolPolicy string `json:"ViewerProtocolPolicy"`
	AllowedMethods       *struct {
		Items         []string      `json:"Items"`
		CachedMethods *list[string] `json:"CachedMethods"`
	} `json:"AllowedMethods"`
	SmoothStreaming            bool `json:"SmoothStreaming"`
	Compress                   bool `json:"Compress"`
	LambdaFunctionAssociations *list[struct {
		LambdaFunctionARN string `json:"LambdaFunctionARN"`
		EventType         string `json:"EventType"`
		IncludeBody       bool   `json:"IncludeBody"`
	}] `json:"LambdaFunctionAssociations"`
	FunctionAssociations *list[struct {
		FunctionARN string `json:"FunctionARN"`
		EventType   string `json:"EventType"`
	}] `json:"FunctionAssociations"`
	FieldLevelEncryptionId  string `json:"FieldLevelEncryptionId"`
	RealtimeLogConfigArn    string `json:"RealtimeLogConfigArn"`
	CachePolicyId           string `json:"CachePolicyId"`
	OriginRequestPolicyId   string `json:"OriginRequestPolicyId"`
	ResponseHeadersPolicyId string `json:"ResponseHeadersPolicyId"`
	GrpcConfig              *struct {
		Enabled bool `json:"Enabled"`
	} `json:"GrpcConfig"`
	ForwardedValues *struct {
		QueryString bool `json:"QueryString"`
		Cookies     struct {
			Forward          string        `json:"Forward"`
			WhitelistedNames *list[string] `json:"WhitelistedNames"`
		} `json:"Cookies"`
		Headers              *list[string] `json:"Headers"`
		QueryStringCacheKeys *list[string] `json:"QueryStringCacheKeys"`
	} `json:"ForwardedValues"`
	MinTTL     *int64 `json:"MinTTL"`
	DefaultTTL *int64 `json:"DefaultTTL"`
	MaxTTL     *int64 `json:"MaxTTL"`
}

type customErrorResponse struct {
	ErrorCode          int    `json:"ErrorCode"`
	ResponsePagePath   string `json:"ResponsePagePath"`
	ResponseCode       string `json:"ResponseCode"`
	ErrorCachingMinTTL *int64 `json:"ErrorCachingMinTTL"`
}

// Policies, as get-cache-policy, get-origin-request-policy and get-response-headers-policy print
// them (inside CachePolicy, OriginRequestPolicy, ResponseHeadersPolicy, next to the Id).

type cachePolicyConfig struct {
	Name       string `json:"Name"`
	Comment    string `json:"Comment"`
	MinTTL     *int64 `json:"MinTTL"`
	DefaultTTL *int64 `json:"DefaultTTL"`
	MaxTTL     *int64 `json:"MaxTTL"`
	Parameters struct {
		EnableAcceptEncodingGzip   bool `json:"EnableAcceptEncodingGzip"`
		EnableAcceptEncodingBrotli bool `json:"EnableAcceptEncodingBrotli"`
		HeadersConfig              struct {
			HeaderBehavior string        `json:"HeaderBehavior"`
			Headers        *list[string] `json:"Headers"`
		} `json:"HeadersConfig"`
		CookiesConfig struct {
			CookieBehavior string        `json:"CookieBehavior"`
			Cookies        *list[string] `json:"Cookies"`
		} `json:"CookiesConfig"`
		QueryStringsConfig struct {
			QueryStringBehavior string        `json:"QueryStringBehavior"`
			QueryStrings        *list[string] `json:"QueryStrings"`
		} `json:"QueryStringsConfig"`
	} `json:"ParametersInCacheKeyAndForwardedToOrigin"`
}

type originRequestPolicyConfig struct {
	Name          string `json:"Name"`
	Comment       string `json:"Comment"`
	HeadersConfig struct {
		HeaderBehavior string        `json:"HeaderBehavior"`
		Headers        *list[string] `json:"Headers"`
	} `json:"HeadersConfig"`
	CookiesConfig struct {
		CookieBehavior string        `json:"CookieBehavior"`
		Cookies        *list[string] `json:"Cookies"`
	} `json:"CookiesConfig"`
	QueryStringsConfig struct {
		QueryStringBehavior string        `json:"QueryStringBehavior"`
		QueryStrings        *list[string] `json:"QueryStrings"`
	} `json:"QueryStringsConfig"`
}

type override struct {
	Override bool `json:"Override"`
}

type responseHeadersPolicyConfig struct {
	Name       string `json:"Name"`
	Comment    string `json:"Comment"`
	CorsConfig *struct {
		AccessControlAllowOrigins     list[string]  `json:"AccessControlAllowOrigins"`
		AccessControlAllowHeaders     list[string]  `json:"AccessControlAllowHeaders"`
		AccessControlAllowMethods     list[string]  `json:"AccessControlAllowMethods"`
		AccessControlAllowCredentials bool          `json:"AccessControlAllowCredentials"`
		AccessControlExposeHeaders    *list[string] `json:"AccessControlExposeHeaders"`
		AccessControlMaxAgeSec        *int          `json:"AccessControlMaxAgeSec"`
		OriginOverride                bool          `json:"OriginOverride"`
	} `json:"CorsConfig"`
	SecurityHeadersConfig *struct {
		XSSProtection *struct {
			override
			Protection bool   `json:"Protection"`
			ModeBlock  bool   `json:"ModeBlock"`
			ReportUri  string `json:"ReportUri"`
		} `json:"XSSProtection"`
		FrameOptions *struct {
			override
			FrameOption string `json:"FrameOption"`
		} `json:"FrameOptions"`
		ReferrerPolicy *struct {
			override
			ReferrerPolicy string `json:"ReferrerPolicy"`
		} `json:"ReferrerPolicy"`
		ContentSecurityPolicy *struct {
			override
			ContentSecurityPolicy string `json:"ContentSecurityPolicy"`
		} `json:"ContentSecurityPolicy"`
		ContentTypeOptions      *override `json:"ContentTypeOptions"`
		StrictTransportSecurity *struct {
			override
			IncludeSubdomains      bool `json:"IncludeSubdomains"`
			Preload                bool `json:"Preload"`
			AccessControlMaxAgeSec int  `json:"AccessControlMaxAgeSec"`
		} `json:"StrictTransportSecurity"`
	} `json:"SecurityHeadersConfig"`
	ServerTimingHeadersConfig *struct {
		Enabled      bool     `json:"Enabled"`
		SamplingRate *float64 `json:"SamplingRate"`
	} `json:"ServerTimingHeadersConfig"`
	CustomHeadersConfig *list[struct {
		Header   string `json:"Header"`
		Value    string `json:"Value"`
		Override bool   `json:"Override"`
	}] `json:"CustomHeadersConfig"`
	RemoveHeadersConfig *list[struct {
		Header string `json:"Header"`
	}] `json:"RemoveHeadersConfig"`
}

// CloudFront Functions, as describe-function (and create-, update-, publish-function) print one
// ({"ETag", "FunctionSummary"}) and list-functions prints them ({"FunctionList": {"Items"}}).
// The distribution only names a function by ARN; its runtime and key value store are here.

type functionDoc struct {
	FunctionSummary *functionSummary       `json:"FunctionSummary"`
	FunctionList    *list[functionSummary] `json:"FunctionList"`
	// A bare FunctionSummary.
	functionSummary
	// get-function prints only these: the code goes to its outfile.
	ContentType string `json:"ContentType"`
}

type functionSummary struct {
	Name           string `json:"Name"`
	FunctionConfig *struct {
		Runtime                   string `json:"Runtime"`
		KeyValueStoreAssociations *list[struct {
			KeyValueStoreARN string `json:"KeyValueStoreARN"`
		}] `json:"KeyValueStoreAssociations"`
	} `json:"FunctionConfig"`
	FunctionMetadata struct {
		FunctionARN string `json:"FunctionARN"`
		Stage       string `json:"Stage"`
	} `json:"FunctionMetadata"`
}
