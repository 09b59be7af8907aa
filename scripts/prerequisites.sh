#!/usr/bin/env bash
# Installs the Debian packages the platform needs, or says exactly what to install.
# Usage: scripts/prerequisites.sh run|test
set -euo pipefail

purpose="${1:-run}"

# The servers the app host starts as local processes when no container engine answers.
packages=(postgresql redis-server rabbitmq-server)
# The demo data's PACS (Orthanc with DICOMweb), and curl and jq for docs/walkthrough.md.
packages+=(orthanc orthanc-dicomweb curl jq)
# The font of the qCT PDF report (DejaVu Sans), read by WorkflowWorker.
packages+=(fonts-dejavu-core)
# Node.js (with npm) builds the viewer's image engine (scripts/build-viewer.sh).
packages+=(nodejs)
if [ "$purpose" = "test" ]; then
  # Oracles and peers the tests compare against, added here as the tests come to use them.
  packages+=(dcmtk python3-pydicom python3-numpy dicom3tools curl orthanc orthanc-dicomweb)
  # python-hl7 reads back the HL7 v2 results the qCT analysis writes.
  packages+=(python3-hl7)
  # poppler's pdftotext and pdfimages read back the qCT PDF report.
  packages+=(poppler-utils)
  # Colour oracles for the image-quality measurements: LittleCMS's transicc, scikit-image (and Sharma's CIEDE2000 pairs it
  # ships), ICC profiles from colord and Ghostscript, Pillow and tifffile to write test images.
  packages+=(liblcms2-utils python3-skimage colord-data libgs-common python3-pil python3-tifffile)
  # nginx, the front that sends the bytes of authorised file GETs (FileFrontTests).
  packages+=(nginx)
  # The browser the Playwright tests drive: the dashboard's, and the viewer's (ViewerTests).
  packages+=(chromium)
  # Oracles for the published deployment files: Debian's docker-compose (its `config` needs no engine), and kubectl
  # for `kubectl kustomize` where the machine has none yet.
  packages+=(docker-compose)
  if ! command -v kubectl >/dev/null 2>&1; then
    packages+=(kubernetes-client)
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK is not installed (dotnet is not on PATH). Install the .NET 10 SDK, then run this again." >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "error: these Debian packages are missing: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
# The packages' own services are not wanted (the app host starts its own servers); where policy-rc.d
# forbids starting them, the install still succeeds.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
