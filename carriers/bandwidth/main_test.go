package bandwidth

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testAccount = "9900000"
	testUser    = "api-user"
	testPass    = "api-secret-0123456789"
	testApp     = "93de2206-9669-4e07-948d-329f4b722ee2"
	testCbUser  = "bw-callbacks"
	testCbPass  = "callback-secret-9876543210"
)

// testSettings are valid settings against api, with a transport that keeps
// no idle connections (they would trip goleak).
func testSettings(api string) Settings {
	return Settings{
		AccountID: testAccount, Username: testUser, Password: testPass, ApplicationID: testApp,
		APIURL: api, CallbackUsername: testCbUser, CallbackPassword: testCbPass,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
}

func newTest(t testing.TB, set Settings) *Carrier {
	t.Helper()
	c, err := New(set)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
