#!/usr/bin/env bash
# Packs EventBus, EventBus.DependencyInjection (with its handler-discovery generator), EventBus.HealthChecks,
# EventBus.Testing, EventBus.RabbitMQ and EventBus.Sqlite, then builds tests/PackageSmoke against the first four (from a local
# folder feed, restored into a fresh package cache so nothing stale is used) and runs it twice: as a normal
# program and as a native AOT binary. The bridge is only packed here: it needs a broker, and its tests run in
# scripts/test.sh; the SQLite package is only packed too, until it has a public queue to smoke-test.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
packages="$repo/artifacts/packages"
cache="$repo/artifacts/smoke-nuget-cache"
rm -rf "$packages" "$cache" tests/PackageSmoke/bin tests/PackageSmoke/obj

echo "== pack"
dotnet pack src/EventBus/EventBus.csproj -c Release -o "$packages" --nologo
dotnet pack src/EventBus.DependencyInjection/EventBus.DependencyInjection.csproj -c Release -o "$packages" --nologo
dotnet pack src/EventBus.HealthChecks/EventBus.HealthChecks.csproj -c Release -o "$packages" --nologo
dotnet pack src/EventBus.Testing/EventBus.Testing.csproj -c Release -o "$packages" --nologo
dotnet pack src/EventBus.RabbitMQ/EventBus.RabbitMQ.csproj -c Release -o "$packages" --nologo
dotnet pack src/EventBus.Sqlite/EventBus.Sqlite.csproj -c Release -o "$packages" --nologo
version=$(dotnet msbuild src/EventBus/EventBus.csproj -getProperty:Version)
ls -1 "$packages"

# The handler-discovery generator travels inside the DI package; the smoke program below calls the
# AddEventBusHandlers() it generates, so its build fails if the analyzer is missing or does not run.
generator="analyzers/dotnet/cs/EventBus.DependencyInjection.Generators.dll"
# Listed first, then searched: `unzip | grep -q` fails under pipefail when grep exits before unzip is done.
listing=$(unzip -l "$packages/EventBus.DependencyInjection.$version.nupkg")
if ! grep -q "$generator" <<<"$listing"; then
  echo "EventBus.DependencyInjection.$version.nupkg does not contain $generator" >&2
  exit 1
fi
echo "EventBus.DependencyInjection.$version.nupkg contains $generator"

cd tests/PackageSmoke
echo "== package smoke, JIT (EventBus $version from $packages)"
dotnet restore --packages "$cache" -p:EventBusVersion="$version"
dotnet run -c Release --no-restore -p:EventBusVersion="$version" -- jit

echo "== package smoke, native AOT"
dotnet publish -c Release -r linux-x64 --packages "$cache" -p:EventBusVersion="$version" -o "$repo/artifacts/smoke-aot" --nologo
"$repo/artifacts/smoke-aot/PackageSmoke" "native AOT"
