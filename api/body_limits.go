package api

import (
	"regexp"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// maxCampaignBody is the body limit of POST /api/v1/campaigns: a CSV (or
// JSON list) of domain.MaxCampaignRecipients rows with a few variables
// each. 100,000 rows of `to,1,2` are about 4 MiB; 32 MiB leaves room for
// long variables and a time_zone column.
const maxCampaignBody = 32 << 20

// campaignsPath is the route that creates a campaign.
var campaignsPath = regexp.MustCompile(`^/api/v1/campaigns$`)

// bodyLimit is a route whose body may be larger than maxBody.
type bodyLimit struct {
	method string
	path   *regexp.Regexp
	max    int
}

// bodyLimits is the one table of routes with their own body limit; every
// other request keeps maxBody (the app's BodyLimit).
var bodyLimits = []bodyLimit{
	{fiber.MethodPost, uploadPath, maxUploadBody},      // an agent's file (media_upload.go)
	{fiber.MethodPost, campaignsPath, maxCampaignBody}, // a campaign's recipients, JSON, CSV or multipart (campaigns.go)
}

// requestLimits raises the body limit for the routes of bodyLimits, as
// soon as the request line is read (fasthttp's HeaderReceived): every
// other request keeps maxBody, refused from its announced length before
// its body is read.
func requestLimits(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if max := bodyLimitOf(string(h.Method()), pathOf(h.RequestURI())); max > maxBody {
		return fasthttp.RequestConfig{MaxRequestBodySize: max}
	}
	return fasthttp.RequestConfig{}
}

// bodyLimitOf is the body limit of a request to path with method.
func bodyLimitOf(method string, path []byte) int {
	for _, l := range bodyLimits {
		if method == l.method && l.path.Match(path) {
			return l.max
		}
	}
	return maxBody
}

func pathOf(uri []byte) []byte {
	for i, b := range uri {
		if b == '?' {
			return uri[:i]
		}
	}
	return uri
}
