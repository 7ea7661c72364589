package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python returns the python3 that has pyzmq, installing python3-zmq with
// apt-get when it is missing (as `make deps` does).
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv("PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import zmq").Run(); err == nil {
		return py
	}
	install := exec.Command("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-zmq")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("pyzmq is missing and apt-get install python3-zmq failed: %v\n%s", err, out)
	}
	if out, err := exec.Command(py, "-c", "import zmq").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import zmq after installing python3-zmq: %v\n%s", py, err, strings.TrimSpace(string(out)))
	}
	return py
}

// StartPython runs script with the python3 of Python, with args after it
// in sys.argv, and returns the process and its stdout lines as they come.
// The process ends with the test: it is killed then if it still runs, and
// its stderr is logged if the test failed.
func StartPython(t testing.TB, script string, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.CommandContext(Ctx(t), Python(t), append([]string{"-c", script}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("python stderr:\n%s", stderr.String())
		}
	})
	return cmd, bufio.NewScanner(out)
}
