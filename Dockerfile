# Tether's three binaries in a small Debian image; docker-compose.yml runs
# every component (hub, leaves, devices, the bootstrap steps) from it.

# Build: release binaries with the Swift runtime linked in, so the runtime
# image needs no Swift toolchain.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing Sources/ does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
COPY Tests Tests
COPY bench bench
RUN for product in tetherd tetherctl tether; do \
        swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
    done \
    && mkdir /out \
    && cd "$(swift build -c release --show-bin-path)" \
    && cp tetherd tetherctl tether /out/

# Runtime: what the binaries link (SQLite, zlib, the C++ runtime), the
# OpenSSH client for `tether config` + ssh, and what the demo's sessions run
# (sftp-server for sftp and scp to the devices, rsync for rsync).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 zlib1g libstdc++6 openssh-client openssh-sftp-server rsync hostname \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
EXPOSE 3080
CMD ["tetherd", "--help"]
