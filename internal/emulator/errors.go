package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// twilioError is Twilio's REST error body.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// errorMessages are Twilio's texts for the codes the emulator produces.
var errorMessages = map[int]string{
	20003: "Authenticate",
	20404: "The requested resource was not found",
	20429: "Too Many Requests",
	20500: "Internal Server Error",
	20503: "Service Unavailable",
	21211: "Invalid 'To' Phone Number",
	21603: "A 'From' phone number is required.",
	21604: "A 'To' phone number is required.",
	21609: "Invalid StatusCallback",
	21617: "The concatenated message body exceeds the 1600 character limit.",
	21619: "A text message body or media urls must be specified.",
	21656: "The ContentVariables Parameter is invalid.",
	21910: "Invalid From and To pair. From and To should be of the same channel",
	63007: "Twilio could not find a Channel with the specified From address",
	63014: "Message could not be delivered because the recipient has blocked the sender",
	63015: "Channel Sandbox can only send messages to phone numbers that have joined the Sandbox",
	63016: "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.",
	63018: "Rate limit exceeded for Channel",
	63019: "Media failed to download",
	63024: "Invalid message recipient",
	63049: "Meta chose not to deliver this WhatsApp marketing message",
}

func errorMessage(code int) string {
	if m, ok := errorMessages[code]; ok {
		return m
	}
	return fmt.Sprintf("Error %d", code)
}

// defaultCode picks a Twilio code for an injected HTTP status without one.
func defaultCode(status int) int {
	switch {
	case status == http.StatusTooManyRequests:
		return 20429
	case status == http.StatusUnauthorized:
		return 20003
	case status == http.StatusNotFound:
		return 20404
	case status == http.StatusServiceUnavailable:
		return 20503
	case status >= 500:
		return 20500
	default:
		return 21211
	}
}

func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, twilioError{
		Code:     code,
		Message:  message,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		Status:   status,
	})
}

func writeNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, 20404,
		fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
