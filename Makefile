# Convenience front end for people who have make; the README's two commands do
# not need it (scripts/run.sh and scripts/test.sh install everything).
.PHONY: all run test build asan fuzz bench lint clean

all: build

build:
	scripts/build.sh build

run:
	scripts/run.sh

test:
	scripts/test.sh

asan:
	scripts/build.sh build-asan -DEM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	ctest --test-dir build-asan --output-on-failure

fuzz:
	scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DEM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug

bench:
	bench/http.sh

lint:
	scripts/lint.sh

clean:
	rm -rf build build-asan build-fuzz build-release build-bench
