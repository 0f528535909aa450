package jinglepeer

import (
	"fmt"
	"runtime"
	"testing"
)

// FatalMessage runs f in a goroutine of its own with a testing.TB that is t
// but for Fatal and Fatalf, which record the message and end that goroutine,
// so a test can check why a Start gave up. It returns the message, or fails
// t when f returned instead. Call it from the test goroutine.
func FatalMessage(t testing.TB, f func(testing.TB)) string {
	t.Helper()
	rec := &fatalRecorder{TB: t}
	done := make(chan bool)
	go func() {
		returned := false
		defer func() { done <- returned }()
		f(rec)
		returned = true
	}()
	if <-done {
		t.Fatal("FatalMessage: f returned, want a fatal error")
	}
	return rec.msg
}

type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
