package craftclient

// MaxResponseBytes exposes the response cap to the external tests.
const MaxResponseBytes = maxResponseBytes
