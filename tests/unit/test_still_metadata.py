"""Still-image metadata (EXIF via exifread + XMP) on the shared corpus and synthetic files.

Expected values for corpus files were read by hand and cross-checked with
exiftool 12.57 (``exiftool -n -G1 -a``).  Where this reader deliberately
differs from exiftool (fallbacks, rejected garbage) the case says why.
"""

from __future__ import annotations

import shutil
import struct
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from mam.metadata import exif as exif_mod
from mam.metadata.exif import StillMetadata, read_still_metadata
from mam.metadata.xmp import find_xmp_packet, parse_xmp

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _corpus(rel: str) -> Path:
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"shared corpus file not available: {path}")
    return path


def _real_warnings(md: StillMetadata) -> list[str]:
    """Our own warnings (exifread's log lines vary between exifread versions)."""
    return [w for w in md.warnings if not w.startswith("exifread:")]


def _has_warning(md: StillMetadata, fragment: str) -> bool:
    return any(fragment in w for w in md.warnings)


# ---------------------------------------------------------------------------
# Corpus: every still image listed in MANIFEST.tsv

ET = "exiftool__exiftool/t/images/"
ODM = "OpenDroneMap__WebODM/app/fixtures/"
ME = "drewnoakes__metadata-extractor-images/"
IM = "immich-app__test-assets/"
TP = "SanNianYiSi__thermal_parser/images/"
MT = "mapillary__mapillary_tools/tests/"
PP = "photoprism__photoprism/"
OA = "Theta-Limited__OpenAthenaIOS/OpenAthenaIOS/examples/"
AX = "androidx__media/libraries/test_data/src/test/assets/media/"
IA = "ianare__exif-samples/"

# Keys: make, model, lens, t (ISO; offset means aware), off, lat, lon, alt, orient,
# size (w, h), drone, xmp (subset), warn (fragments that must appear).  A key
# that is absent is not checked, except: lat/alt/drone default to "nothing
# read" and, without "warn", the reader must not warn at all.
CASES: list[tuple[str, dict]] = [
    # --- exiftool's stripped camera samples --------------------------------
    (ET + "GPS.jpg", dict(make="FUJIFILM", model="FinePixS1Pro", t="2002-07-13T15:58:28",
                          lat=54.9896666666667, lon=-1.91416666666667, orient=1, size=(120, 80))),
    # IFD0 is an 8x8 preview; the raw SubIFD has DefaultCropSize 3456x2304.  The
    # -04:00 comes from XMP exif:DateTimeOriginal with the same wall-clock time.
    (ET + "DNG.dng", dict(make="Canon", model="Canon EOS 350D DIGITAL", lens="18.0-55.0 mm",
                          t="2005-08-03T18:59:18-04:00", off="-04:00", orient=1, size=(3456, 2304))),
    # GPS clock 14:58:14Z vs local 10:58:29 -> -04:00 (New York, EDT); AltitudeRef=1.
    (ET + "GoPro.jpg", dict(make="GoPro", model="HERO6 Black", t="2017-10-03T10:58:29-04:00",
                            off="-04:00", lat=40.6584191999722, lon=-73.9933542999722, alt=-3.983,
                            orient=1, size=(8, 8))),
    (ET + "Apple.jpg", dict(make="Apple", model="iPhone 7", lens="iPhone 7 back camera 3.99mm f/1.8",
                            t="2016-09-28T18:18:05.813+01:00", off="+01:00", lat=53.3828472222222,
                            lon=-1.45667777777778, alt=72.36649215, orient=1, size=(8, 8))),
    (ET + "Google.jpg", dict(make="Google", model="Pixel 8 Pro", lens="Pixel 8 Pro back camera 6.9mm f/1.68",
                             t="2023-10-06T22:53:51.724+02:00", off="+02:00", lat=40.4000694444444,
                             lon=-3.71464722222222, alt=634.0, orient=1, size=(8, 8),
                             xmp={"hdrgm:Version": "1.0",
                                  "Container:Directory[2]/Container:Item/Item:Semantic": "GainMap"})),
    # The CIFF/PictureInfo blocks of this test file claim a Canon; EXIF IFD0 says Fuji.
    (ET + "ExifTool.jpg", dict(make="FUJIFILM", model="FinePix2400Zoom", t="2001-05-19T18:36:41",
                               orient=1, size=(8, 8))),
    # Its XMP is UTF-16BE encoded.
    (ET + "XMP.jpg", dict(make="FUJIFILM", model="FinePix2400Zoom", t="2001-05-19T18:36:41", orient=1,
                          size=(8, 8), xmp={"dc:description": "UTF-16 (big-endian) encoded XMP",
                                            "photoshop:City": "Kingston"})),
    (ET + "FLIR.jpg", dict(make="FLIR Systems AB", model="FLIR_i7", t="2012-02-11T14:17:08", orient=1)),
    (ET + "Canon.jpg", dict(make="Canon", model="Canon EOS DIGITAL REBEL", t="2003-12-04T06:46:52", orient=1)),
    (ET + "Nikon.jpg", dict(make="NIKON", model="E775", t="2001-08-01T12:57:23", orient=1)),
    (ET + "Sony.jpg", dict(make="SONY", model="DSC-F828", t="2003-12-18T13:51:33", orient=1)),
    (ET + "Panasonic.jpg", dict(make="Panasonic", model="DMC-FZ3", t="2004-08-28T15:55:46", orient=1)),
    # CR3: IFD0 from the CMT1 box, EXIF IFD from CMT2.
    (ET + "CanonRaw.cr3", dict(make="Canon", model="Canon EOS M50", lens="EF-M15-45mm f/3.5-6.3 IS STM",
                               t="2018-02-21T12:08:56.21+00:00", off="+00:00", orient=1,
                               size=(6000, 4000))),
    # HEIF skeleton without EXIF: only the primary item's ispe.
    (ET + "QuickTime.heic", dict(make=None, t=None, size=(1596, 1064), warn=["no EXIF metadata found"])),
    # --- drone mapping fixtures (eBee / MicaSense) -------------------------
    # No GPSAltitudeRef at all: the EXIF default (above sea level) applies.
    (ODM + "tiny_drone_image.jpg", dict(make="Canon", model="Canon PowerShot S110", t="2015-07-31T14:32:14",
                                        lat=41.22636995, lon=-81.70550109, alt=438.1885965,
                                        orient=None, size=(48, 36))),
    (ODM + "tiny_drone_image_2.jpg", dict(make="Canon", model="Canon PowerShot S110",
                                          t="2015-07-31T14:32:18", lat=41.22654322,
                                          lon=-81.7059735099972, alt=439.496368, size=(48, 36))),
    (ODM + "tiny_drone_image_multispec.tif", dict(make="MicaSense", model="RedEdge-M",
                                                  t="2018-08-22T12:11:40", lat=50.9813956,
                                                  lon=21.4300088, alt=294.816, orient=1, size=(48, 36))),
    ("sbraz__pymediainfo/tests/data/empty.gif", dict(make=None, t=None, size=(1, 1),
                                                     warn=["no EXIF metadata found"])),
    # --- phones --------------------------------------------------------------
    # GPS clock 19:56:05Z vs 15:56:41 local -> -04:00 (Florida, EDT); AltitudeRef=1.
    ("Zulko__moviepy/media/vacation_2017.jpg", dict(make="SAMSUNG", model="SM-J320P",
                                                    t="2017-03-16T15:56:41-04:00", off="-04:00",
                                                    lat=26.12156675, lon=-80.1647186111111, alt=-47.0,
                                                    orient=1, size=(2560, 1440))),
    # Stored grid is already portrait: ispe 3024x4032 (EXIF PixelX/Y says 4032x3024).
    (ME + "heic/IMG_2927.HEIC", dict(make="Apple", model="iPhone 11 Pro",
                                     lens="iPhone 11 Pro back triple camera 4.25mm f/1.8",
                                     t="2020-05-04T18:39:11.644-04:00", off="-04:00", orient=1,
                                     size=(3024, 4032))),
    (ME + "heic/exif-at-eof.heic", dict(make="Apple", model="iPhone 11 Pro",
                                        t="2020-05-04T18:39:11.644-04:00", lat=47.2071240555639,
                                        lon=106.243105095844, orient=1, size=(3024, 4032))),
    # GPSTimeStamp without GPSDateStamp: no offset can be derived.
    (ME + "jpg/Apple iPhone 4.jpg", dict(make="Apple", model="iPhone 4", t="2011-01-13T14:33:39",
                                         lat=41.853, lon=12.4888333333333, orient=1, size=(1296, 968))),
    (ME + "jpg/HTC Desire.jpg", dict(make="HTC", model="HTC Desire", t="2011-05-06T09:59:48+02:00",
                                     off="+02:00", lat=45.5006666666667, lon=9.11033333333333, alt=217.0,
                                     orient=1, size=(776, 909))),
    # Empty Model string; the FLIR block's GPS/date are not EXIF.
    (ME + "jpg/FLIR iPhone device.jpg", dict(make="FLIR Systems AB", model=None, t=None, orient=1,
                                             size=(480, 640))),
    # No EXIF dates: photoshop:DateCreated (naive) + offset from the GPS clock (21:15:33.5Z).
    (IM + "metadata/gps-position/thompson-springs.jpg", dict(make=None, lens="Canon EF 24-105mm f/4L IS II USM",
                                                             t="2022-01-10T15:15:44.31-06:00", off="-06:00",
                                                             lat=39.115, lon=-108.400968333333, alt=1483.9,
                                                             orient=1, size=(150, 103))),
    # exifread alone finds nothing here (150 KB of APP6 before APP1); GPS rationals are all 0/0.
    (IM + "metadata/gps-position/empty_gps.jpg", dict(make="motorola", model="moto g(9) plus",
                                                      t="2025-06-01T16:59:26.02346", orient=1,
                                                      size=(4640, 3472),
                                                      warn=["GPSLatitude [0/0, 0/0, 0/0] has a zero denominator",
                                                            "GPSLongitude [0/0, 0/0, 0/0]"])),
    # Only XMP exif:GPSTimeStamp (UTC) carries a time.
    (IM + "metadata/dates/gps-datetime.jpg", dict(t="2023-11-15T12:30:00+00:00", off="+00:00", lat=37.7749,
                                                  lon=-122.4194, size=(100, 100),
                                                  warn=["capture time taken from the GPS timestamp"])),
    (IM + "metadata/dates/datetimeoriginal-gps.jpg", dict(t="2025-12-01T11:30:00", lat=39.0, lon=-108.0,
                                                          size=(150, 100))),
    (IM + "metadata/faces/portrait-orientation-6.jpg", dict(make=None, t=None, orient=6, size=(700, 840))),
    (IM + "formats/heic/IMG_2682.heic", dict(make="Apple", model="iPhone 7", t="2019-03-21T11:04:22.348-05:00",
                                             off="-05:00", lat=41.2203, lon=-96.071625, alt=351.2669335,
                                             orient=1, size=(4032, 3024))),
    (IM + "formats/motionphoto/samsung-one-ui-6.heic", dict(
        make="samsung", model="SM-S906U", t="2024-01-12T21:38:53.853-08:00", off="-08:00", orient=6,
        size=(4000, 3000),
        xmp={"GCamera:MotionPhoto": "1",
             "Container:Directory[2]/Container:Item/Item:Mime": "video/mp4",
             "Container:Directory[2]/Container:Item/Item:Length": "3226668"})),
    (IM + "formats/avif/10bit-HDR-P3-nclx.avif", dict(make=None, t=None, size=(3681, 5594))),
    # GPS clock disagrees by 8 minutes (not a whole-quarter-hour offset): stays naive.
    ("vstinner__hachoir/tests/files/gps.jpg", dict(make="KDDI-TS", model="A5301T", t="2003-05-24T22:21:01",
                                                   lat=35.6160194444444, lon=139.697316666667, alt=78.0,
                                                   orient=1, size=(144, 176))),
    # --- DJI thermal / drone stills ------------------------------------------
    (TP + "DJI_H20T.jpg", dict(make="DJI", model="ZH20T", t="2021-05-28T10:33:46", lat=40.5637810833333,
                               lon=-79.7649628055556, alt=221.404, orient=1, size=(640, 512),
                               drone=dict(gimbal_yaw=32.5, gimbal_pitch=-10.5, gimbal_roll=0.0,
                                          flight_yaw=30.3, flight_pitch=-0.5, flight_roll=0.0,
                                          rel_alt_m=16.508, abs_alt_m=221.404))),
    (TP + "DJI_XT2.jpg", dict(make="DJI", model="FLIR", t="2018-07-27T14:51:54.481", lat=9.97215736111111,
                              lon=76.3777858611111, alt=39.1, orient=None, size=(640, 512),
                              drone=dict(gimbal_yaw=82.400002, gimbal_pitch=0.0, gimbal_roll=0.0,
                                         flight_yaw=81.900002, flight_pitch=1.2, flight_roll=-0.9,
                                         rel_alt_m=1.9, abs_alt_m=39.156853))),
    # Southern/western hemisphere: S and W references.
    (TP + "DJI_XTR.jpg", dict(make="DJI", model="FLIR", t="2018-05-16T10:22:57.047", lat=-20.2327963055556,
                              lon=-43.4913761111111, alt=863.5, size=(640, 512),
                              drone=dict(gimbal_yaw=153.600006, gimbal_pitch=-8.3, gimbal_roll=0.0,
                                         flight_yaw=66.599998, flight_pitch=0.4, flight_roll=-0.7,
                                         rel_alt_m=1.5, abs_alt_m=863.583862))),
    # GPSAltitudeRef=1 (below sea level); no drone-dji XMP in this one.
    (TP + "DJI_XTS.jpg", dict(make="DJI", model="XT S", t="2019-12-25T16:10:22.657", lat=36.7296940277778,
                              lon=119.843341527778, alt=-29.4, size=(640, 512))),
    (TP + "M2EA/DJI_0001_R.JPG", dict(make="DJI", model="MAVIC2-ENTERPRISE-ADVANCED",
                                      t="2021-02-04T17:10:53", orient=1, size=(640, 512))),
    (TP + "M30T/DJI_0001_R.JPG", dict(make="DJI", model="M30T", t="2022-03-24T16:42:02", orient=1,
                                      size=(1280, 1024))),
    (TP + "M4T/DJI_0001_R.JPG", dict(make="DJI", model="M4T", t="2024-11-22T18:15:40", orient=1,
                                     size=(640, 512))),
    (TP + "M3T/DJI_0001_R.JPG", dict(make="DJI", model="M3T", t="2022-07-23T15:12:19", orient=1,
                                     size=(640, 512))),
    # --- mapillary ------------------------------------------------------------
    (MT + "data/images/DSC00001.JPG", dict(make="SONY", model="HDR-AS300", t="2018-06-08T13:24:10-07:00",
                                           off="-07:00", lat=45.5169030555556, lon=-122.572765, alt=70.3,
                                           orient=1, size=(3840, 2160))),
    # GPSAltitudeRef written as a RATIONAL and no GPSAltitude: position only.
    (MT + "unit/data/corrupt_exif.jpg", dict(make="OnePlus", model="ONEPLUS A3003",
                                             t="2016-07-07T21:42:20.68367", lat=48.0810453000028,
                                             lon=-1.6678410999975, size=(16, 16))),
    # Its only tag (Software) has the wrong type; nothing we use is affected.
    (MT + "unit/data/corrupt_exif_wrong_type.jpg", dict(make=None, model=None, t=None, size=(32, 32))),
    (MT + "unit/data/empty_exif.jpg", dict(make=None, t=None, size=(16, 16), warn=["no EXIF metadata found"])),
    # GPS only in XMP, Adobe "DDD,MM.mmk" format.
    (MT + "data/adobe_coords/adobe_coords.jpg", dict(
        make="SAMSUNG", model="SM-C200", t="2019-07-16T10:26:11", lat=-0.0702668333333333,
        lon=34.3819351666667, alt=1361.69, orient=1, size=(32, 28),
        xmp={"GPano:ProjectionType": "equirectangular", "GPano:PoseHeadingDegrees": "176.3"})),
    # --- photoprism ------------------------------------------------------------
    (PP + "pkg/media/video/testdata/image-isom-avc1.jpg", dict(
        make="Apple", model="iPhone SE", lens="iPhone SE back camera 4.15mm f/2.2", t="2018-01-11T13:09:38.321",
        lat=-34.0213583333333, lon=23.899375, alt=-2.809326425, size=(240, 180))),
    (PP + "assets/examples/iphone_15_pro.heic", dict(
        make="Apple", model="iPhone 15 Pro", lens="iPhone 15 Pro back triple camera 2.22mm f/2.2",
        t="2023-10-31T11:44:43.432+01:00", off="+01:00", lat=52.4596055555556, lon=13.3218416666667,
        alt=50.15664187, orient=6, size=(4032, 3024))),
    # OffsetTime (+02:00) belongs to IFD0 DateTime, not to DateTimeOriginal: stays naive.
    (PP + "assets/examples/canon_eos_6d.dng", dict(make="Canon", model="Canon EOS 6D",
                                                   lens="EF24-105mm f/4L IS USM", t="2019-06-06T07:29:51",
                                                   orient=1, size=(1224, 816))),
    # GPSAltitude 4294967284 (= -12 as int32 written unsigned) is rejected, like photoprism does.
    (PP + "internal/meta/testdata/altitude.jpg", dict(make="TCT", model="TCL S950",
                                                      t="2013-08-25T14:54:05+03:00", off="+03:00",
                                                      lat=45.7528495555556, lon=33.2219772222222, alt=None,
                                                      orient=1, size=(2112, 1584),
                                                      warn=["implausible GPSAltitude"])),
    # exifread alone reads nothing (HUAWEI APP7-9 blocks before APP1); Orientation is 0.
    (PP + "internal/meta/testdata/huawei-gps-error.jpg", dict(
        make="HUAWEI", model="ELE-L29", t="2020-06-16T18:52:46.695326+02:00", off="+02:00",
        lat=48.3027777777778, lon=8.9275, alt=0.0, orient=None, size=(500, 375),
        warn=["invalid EXIF Orientation 0"])),
    (PP + "internal/meta/testdata/panorama360.jpg", dict(
        make="SAMSUNG", model="SM-C200", t="2020-05-24T11:55:21", lat=59.8408333333333, lon=30.51, alt=None,
        orient=1, size=(500, 250), xmp={"GPano:ProjectionType": "equirectangular"},
        warn=["GPSAltitude 0/0 has a zero denominator"])),
    (PP + "internal/meta/testdata/gopro_hd2.jpg", dict(make="GoPro", model="HD2", t="2017-12-21T05:17:28",
                                                       orient=1, size=(240, 180))),
    # IFD0 says 1; only the thumbnail IFD says 6.
    (PP + "internal/meta/testdata/orientation.jpg", dict(make="samsung", model="SM-G900F",
                                                         t="2018-10-03T16:56:19.414", lat=43.6958333333333,
                                                         lon=7.27138888888889, orient=1, size=(326, 184))),
    # Seconds fields of 595404 and 330528: rejected (exiftool would say lat 213.64).
    (PP + "internal/meta/testdata/buggy_panorama.jpg", dict(
        make="Xiaomi", model="Mi MIX 2", t="2022-04-24T10:35:53.358+02:00", off="+02:00", lat=None,
        size=(500, 174), xmp={"GPano:IsPhotosphere": "True", "GPano:FullPanoWidthPixels": "14828"},
        warn=["GPSLatitude [48, 15, 74425504/125] has minutes/seconds outside 0..60",
              "GPSLongitude [11, 40, 330528]"])),
    # --- other drones ------------------------------------------------------------
    # No DateTimeOriginal: DateTimeDigitized + OffsetTimeDigitized.
    (OA + "skydio-catilina.jpg", dict(
        make="Skydio", model="2", t="2021-01-27T23:09:51+00:00", off="+00:00", lat=32.5189354,
        lon=-110.924547, alt=1034.441, orient=1, size=(1500, 844),
        drone=dict(gimbal_yaw=127.444323, gimbal_pitch=-7.468572, gimbal_roll=0.186841,
                   flight_yaw=126.820102, flight_pitch=-1.460509, flight_roll=1.533753,
                   abs_alt_m=1034.44191),
        xmp={"drone-skydio:VehicleName": "Skydio2-43bx",
             "drone-skydio:CameraOrientationNED/drone-skydio:Pitch": "-7.468572"})),
    # EXIF time is naive; XMP exif:DateTimeOriginal has the same wall clock with "Z".
    (OA + "teal2_img_eo_00015.jpg", dict(make="Teledyne FLIR", model="Hadron 640R EO",
                                         t="2024-07-31T19:17:50+00:00", off="+00:00", lat=40.710335,
                                         lon=-111.894339999972, alt=1320.454956, size=(4624, 3472),
                                         xmp={"exif:CameraYaw": "359986359/1000000"})),
    (OA + "teal2_img_ir_00015.jpg", dict(make="Teledyne FLIR", model="Boson 640", t="2024-07-31T19:17:50+00:00",
                                         lat=40.710335, lon=-111.894339999972, alt=1320.454956,
                                         size=(640, 512))),
    # Downscaled copies: the SOF says 2400x1800 while EXIF still says 1800x2400.
    ("OpenDroneMap__ODM/tests/test_data/images/DJI_0061.JPG", dict(
        make="DJI", model="FC350", t="2015-10-16T13:23:16", lat=41.5485961666667, lon=-83.6986487777778,
        alt=119.7, orient=1, size=(2400, 1800))),
    ("OpenDroneMap__ODM/tests/test_data/images/DJI_0075.JPG", dict(
        make="DJI", model="FC350", t="2015-10-16T13:25:42", lat=41.5488273333333, lon=-83.6984088888889,
        alt=119.0, orient=1, size=(2400, 1800))),
    ("OpenDroneMap__ODM/tests/assets/images/DJI_0002.JPG", dict(make=None, t=None, size=(None, None),
                                                               warn=["empty file (0 bytes)"])),
    ("jekhor__aerial-cars-dataset/DJI_0019.JPG", dict(
        make="DJI", model="FC220", t="2018-03-26T17:52:17", lat=53.91963025, lon=27.5754325277778,
        alt=362.966, orient=1, size=(4000, 2250),
        drone=dict(gimbal_yaw=126.2, gimbal_pitch=-40.9, gimbal_roll=0.0, flight_yaw=126.3,
                   flight_pitch=2.3, flight_roll=2.7, rel_alt_m=119.8, abs_alt_m=362.97))),
    # --- androidx ---------------------------------------------------------------------
    (AX + "jpeg/pixel-motion-photo-shortened.jpg", dict(
        make="Google", model="Pixel 4 XL", t="2020-12-17T10:03:00.546073+00:00", off="+00:00", lat=None,
        orient=6, size=(4032, 3024), xmp={"GCamera:MotionPhoto": "1"})),
    (AX + "jpeg/ultraHDR.jpg", dict(make="Google", model="Pixel 8", t="2024-01-11T09:35:33.965+00:00",
                                    off="+00:00", lat=51.5331472222222, lon=-0.1261, alt=91.7, orient=1,
                                    size=(3072, 4080), xmp={"hdrgm:Version": "1.0"})),
    # exifread's HEIC locator asserts on this libheif file; the byte scan recovers the EXIF.
    (AX + "heif/sample_still_photo.heic", dict(make=None, t="2020-10-21T12:26:18", size=(1080, 1920),
                                               warn=["EXIF recovered by a byte scan"])),
    # --- ianare/exif-samples ------------------------------------------------------------
    # The GPS clock is a day ahead (2008:10:23 14:27Z): no offset derived.
    (IA + "jpg/gps/DSCN0010.jpg", dict(make="NIKON", model="COOLPIX P6000", t="2008-10-22T16:28:39",
                                       lat=43.4674483333333, lon=11.8851266666639, alt=None, orient=1,
                                       size=(640, 480))),
    (IA + "jpg/gps/DSCN0021.jpg", dict(make="NIKON", model="COOLPIX P6000", t="2008-10-22T16:38:20",
                                       lat=43.4670816666639, lon=11.8845383333306, orient=1, size=(640, 480))),
    *[
        (IA + f"jpg/orientation/landscape_{n}.jpg", dict(orient=n, size=(600, 450) if n <= 4 else (450, 600)))
        for n in range(1, 9)
    ],
    (IA + "jpg/mobile/jolla.jpg", dict(make="Jolla", model="Jolla", t="2014-09-21T16:00:56+02:00", off="+02:00",
                                       orient=1, size=(3264, 2448))),
    (IA + "heic/mobile/iphone_13_pro_max.HEIC", dict(
        make="Apple", model="iPhone 13 Pro Max", lens="iPhone 13 Pro Max back triple camera 5.7mm f/1.5",
        t="2022-02-16T12:55:41.762+01:00", off="+01:00", orient=6, size=(4032, 3024))),
    # Edited (cropped): ispe 2566x3313 while EXIF still says 4032x3024.
    (IA + "heic/IMG_5195.HEIC", dict(make="Apple", model="iPhone 11 Pro Max", t="2021-04-11T15:47:53.054-05:00",
                                     off="-05:00", lat=39.0513444444444, lon=-94.2887722222222,
                                     alt=260.5606383, orient=None, size=(2566, 3313))),
    (IA + "heic/samplefilehub.heif", dict(make=None, t=None, orient=1, size=(640, 426))),
    (IA + "jpg/corrupted.jpg", dict(make="OLYMPUS IMAGING CORP.", model="u1020,S1020", t="2015-09-08T11:02:17",
                                    orient=1, size=(3648, 2736))),
    # exifread endless-loop regression file: only an XMP packet (xmp:CreateDate ...Z).
    (IA + "jpg/invalid/image02206.jpg", dict(make=None, t="2009-08-04T10:35:03+00:00", off="+00:00",
                                             size=(65, 65), warn=["no EXIF metadata found"])),
    (IA + "jpg/tests/45-gps_ifd.jpg", dict(make="Polyphony Digital Inc.", model="Gran Turismo 5",
                                           t="2012-06-23T06:55:49", orient=1, size=(1600, 900),
                                           warn=["GPS IFD is present but holds no readable tags"])),
    (IA + "jpg/hdr/iphone_hdr_YES.jpg", dict(make="Apple", model="iPhone 6", lens="iPhone 6 back camera 4.15mm f/2.2",
                                             t="2015-04-10T20:12:23.55+02:00", off="+02:00",
                                             lat=40.4469722222222, lon=-3.72475277777778, alt=639.6111111,
                                             orient=1, size=(3264, 2448))),
    (IA + "jpg/Canon_40D.jpg", dict(make="Canon", model="Canon EOS 40D", t="2008-05-30T15:56:01", lat=None,
                                    orient=1, size=(100, 68))),
    (IA + "jpg/Nikon_D70.jpg", dict(make="NIKON CORPORATION", model="NIKON D70", lens="100.0 mm f/2.8",
                                    t="2008-03-15T09:52:01-04:00", off="-04:00", orient=1, size=(100, 66))),
    # Date/GPS only in the Reconyx MakerNote (not decoded).
    (IA + "jpg/Reconyx_HC500_Hyperfire.jpg", dict(make=None, t=None, size=(2048, 1536))),
    # Only IFD0 DateTime is present.
    (IA + "jpg/tests/67-0_length_string.jpg", dict(
        make="samsung", model="SM-G930F", t="2016-09-12T10:05:31", lat=51.025, lon=7.59194444444444, alt=340.0,
        orient=1, size=(4032, 2012), warn=["capture time taken from IFD0 DateTime"])),
]  # fmt: skip


def _offset_of(value: datetime) -> str | None:
    offset = value.utcoffset()
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _case_id(rel: str) -> str:
    return rel.split("/", 1)[0].split("__")[0] + ":" + rel.rsplit("/", 1)[-1]


@pytest.mark.parametrize(("rel", "exp"), [pytest.param(r, e, id=_case_id(r)) for r, e in CASES])
def test_corpus_still(rel: str, exp: dict) -> None:
    md = read_still_metadata(_corpus(rel))
    for key in ("make", "model", "lens"):
        if key in exp:
            assert getattr(md, key) == exp[key], key
    if "t" in exp:
        if exp["t"] is None:
            assert md.captured_at is None and md.captured_at_offset is None
        else:
            expected = datetime.fromisoformat(exp["t"])
            assert md.captured_at is not None
            assert md.captured_at.isoformat() == expected.isoformat()
            assert md.captured_at_offset == exp.get("off", _offset_of(expected))
    if exp.get("lat") is None:
        assert md.lat is None and md.lon is None
    else:
        assert md.lat == pytest.approx(exp["lat"], abs=1e-6)
        assert md.lon == pytest.approx(exp["lon"], abs=1e-6)
    if exp.get("alt") is None:
        assert md.alt_m is None
    else:
        assert md.alt_m == pytest.approx(exp["alt"], abs=1e-3)
    if "orient" in exp:
        assert md.orientation == exp["orient"]
    if "size" in exp:
        assert (md.width, md.height) == exp["size"]
    assert md.drone == pytest.approx(exp.get("drone", {}), abs=1e-6)
    for key, value in exp.get("xmp", {}).items():
        assert md.xmp.get(key) == value, key
    if "warn" in exp:
        for fragment in exp["warn"]:
            assert _has_warning(md, fragment), (fragment, md.warnings)
    else:
        assert _real_warnings(md) == []


def test_corpus_covers_every_still_in_manifest() -> None:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip(f"shared corpus manifest not available: {manifest}")
    exts = (".jpg", ".jpeg", ".heic", ".heif", ".avif", ".dng", ".tif", ".tiff", ".png", ".gif", ".webp", ".cr3")
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    stills = {line.split("\t", 1)[0] for line in lines if line.split("\t", 1)[0].lower().endswith(exts)}
    assert stills <= {rel for rel, _ in CASES}


# ---------------------------------------------------------------------------
# Hostile and broken inputs


def test_zero_length_and_garbage_files_warn(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.heic"
    garbage.write_bytes(b"\x13\x37 definitely not an image " * 40)
    missing = tmp_path / "missing.jpg"
    assert read_still_metadata(empty).warnings == ["empty file (0 bytes)"]
    md = read_still_metadata(garbage)
    assert _has_warning(md, "unrecognised file format") and _has_warning(md, "no EXIF metadata found")
    assert md.make is None and md.captured_at is None
    assert _has_warning(read_still_metadata(missing), "cannot open file")
    assert _has_warning(read_still_metadata(tmp_path), "cannot open file")


def test_jpeg_named_heic_is_read_by_content(tmp_path: Path) -> None:
    target = tmp_path / "IMG_0001.HEIC"
    shutil.copyfile(_corpus("Zulko__moviepy/media/vacation_2017.jpg"), target)
    md = read_still_metadata(target)
    assert md.make == "SAMSUNG" and md.lat == pytest.approx(26.12156675, abs=1e-6)
    assert _has_warning(md, "does not match its content (JPEG)")


def test_truncated_jpeg_keeps_what_was_read(tmp_path: Path) -> None:
    data = _corpus("Zulko__moviepy/media/vacation_2017.jpg").read_bytes()
    target = tmp_path / "cut.jpg"
    target.write_bytes(data[:5000])  # inside the APP1 segment
    md = read_still_metadata(target)
    assert md.make == "SAMSUNG" and md.captured_at is not None
    assert _has_warning(md, "truncated")


def _looping_heif() -> bytes:
    """ISO-BMFF whose second box has a 64-bit size of 0: exifread 3.5.1 re-reads it forever."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"heic", 0, b"mif1", b"heic")
    return ftyp + struct.pack(">I4sQ", 1, b"free", 0) + b"\x00" * 64


def _exifread_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "mam-exifread"]


def test_exifread_endless_loop_is_bounded_and_thread_dies(tmp_path: Path) -> None:
    target = tmp_path / "loop.heic"
    target.write_bytes(_looping_heif())
    started = time.monotonic()
    md = read_still_metadata(target, timeout_s=0.5)
    assert time.monotonic() - started < 3.0
    assert _has_warning(md, "timed out after 0.5 s")
    # the guarded reader makes the abandoned worker raise at its next read
    deadline = time.monotonic() + 5.0
    while _exifread_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _exifread_threads() == []


def test_hang_without_io_is_abandoned_and_caps_stuck_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    calls: list[int] = []

    def stuck_process_file(fh, **kwargs):
        calls.append(1)
        release.wait(30)  # a CPU/IO-free hang the guarded reader cannot interrupt
        return {}

    monkeypatch.setattr(exif_mod.exifread, "process_file", stuck_process_file)
    monkeypatch.setattr(exif_mod, "MAX_STUCK_PARSES", 1)
    target = tmp_path / "x.jpg"
    shutil.copyfile(_corpus("exiftool__exiftool/t/images/GPS.jpg"), target)
    try:
        started = time.monotonic()
        first = read_still_metadata(target, timeout_s=0.3)
        assert time.monotonic() - started < 2.0
        assert _has_warning(first, "timed out after 0.3 s (parser thread abandoned)")
        assert first.width == 120  # container-level data is still read
        second = read_still_metadata(target, timeout_s=0.3)
        assert _has_warning(second, "skipped: 1 earlier parses are still stuck")
        assert len(calls) == 1
    finally:
        release.set()
    deadline = time.monotonic() + 5.0
    while _exifread_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _exifread_threads() == []


# ---------------------------------------------------------------------------
# Synthetic EXIF: GPS references, malformed rationals, time zones

ASCII, BYTE, SHORT, LONG, RATIONAL = 2, 1, 3, 4, 5


def _entry(tag: int, typ: int, value) -> tuple[int, int, int, bytes]:
    if typ == ASCII:
        payload = value.encode() + b"\x00"
        return tag, typ, len(payload), payload
    if typ == BYTE:
        return tag, typ, len(value), bytes(value)
    if typ == SHORT:
        return tag, typ, len(value), b"".join(struct.pack("<H", v) for v in value)
    if typ == LONG:
        return tag, typ, len(value), b"".join(struct.pack("<I", v) for v in value)
    return tag, typ, len(value), b"".join(struct.pack("<II", n, d) for n, d in value)


def _tiff(ifd0: list, exif: list | None = None, gps: list | None = None) -> bytes:
    """Minimal little-endian TIFF with optional EXIF and GPS sub-IFDs."""
    ifd0 = list(ifd0)
    subs = []
    if exif is not None:
        ifd0.append((0x8769, LONG, 1, None))
        subs.append(("exif", exif))
    if gps is not None:
        ifd0.append((0x8825, LONG, 1, None))
        subs.append(("gps", gps))
    ifds = [("ifd0", sorted(ifd0, key=lambda e: e[0]))] + [(n, sorted(e, key=lambda x: x[0])) for n, e in subs]
    offsets, pos = {}, 8
    for name, entries in ifds:
        offsets[name] = pos
        pos += 2 + 12 * len(entries) + 4
    out, data = bytearray(b"II*\x00" + struct.pack("<I", 8)), bytearray()
    for _name, entries in ifds:
        out += struct.pack("<H", len(entries))
        for tag, typ, count, payload in entries:
            if payload is None:
                payload = struct.pack("<I", offsets["exif" if tag == 0x8769 else "gps"])
            if len(payload) <= 4:
                field_bytes = payload.ljust(4, b"\x00")
            else:
                field_bytes = struct.pack("<I", pos + len(data))
                data += payload + (b"\x00" if len(payload) % 2 else b"")
            out += struct.pack("<HHI", tag, typ, count) + field_bytes
        out += struct.pack("<I", 0)
    return bytes(out + data)


def _jpeg(tiff: bytes | None = None, xmp: bytes | None = None, size: tuple[int, int] = (4, 3)) -> bytes:
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    out = b"\xff\xd8"
    if tiff is not None:
        out += segment(0xE1, b"Exif\x00\x00" + tiff)
    if xmp is not None:
        out += segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp)
    out += segment(0xC0, b"\x08" + struct.pack(">HH", size[1], size[0]) + b"\x01\x01\x11\x00")
    out += segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00\xff\xd9"
    return out


def _dms(deg: float) -> list[tuple[int, int]]:
    deg = abs(deg)
    d = int(deg)
    m = int((deg - d) * 60)
    s = round(((deg - d) * 60 - m) * 60 * 10000)
    return [(d, 1), (m, 1), (s, 10000)]


def _gps(lat=None, lat_ref=None, lon=None, lon_ref=None, alt=None, alt_ref=None, date=None, time_=None) -> list:
    entries = []
    if lat_ref is not None:
        entries.append(_entry(0x01, ASCII, lat_ref))
    if lat is not None:
        entries.append(_entry(0x02, RATIONAL, lat))
    if lon_ref is not None:
        entries.append(_entry(0x03, ASCII, lon_ref))
    if lon is not None:
        entries.append(_entry(0x04, RATIONAL, lon))
    if alt_ref is not None:
        entries.append(_entry(0x05, BYTE, [alt_ref]))
    if alt is not None:
        entries.append(_entry(0x06, RATIONAL, [alt]))
    if time_ is not None:
        entries.append(_entry(0x07, RATIONAL, time_))
    if date is not None:
        entries.append(_entry(0x1D, ASCII, date))
    return entries


def _read_jpeg(tmp_path: Path, data: bytes, name: str = "synthetic.jpg") -> StillMetadata:
    target = tmp_path / name
    target.write_bytes(data)
    return read_still_metadata(target)


@pytest.mark.parametrize(
    ("lat_ref", "lon_ref", "alt_ref", "expected"),
    [
        ("N", "E", 0, (33.8688, 151.2093, 58.0)),
        ("S", "E", 0, (-33.8688, 151.2093, 58.0)),
        ("N", "W", 1, (33.8688, -151.2093, -58.0)),
        ("S", "W", 1, (-33.8688, -151.2093, -58.0)),
        ("s", "w", None, (-33.8688, -151.2093, 58.0)),  # lower-case refs; AltitudeRef absent = above
    ],
)
def test_gps_reference_handling(tmp_path: Path, lat_ref, lon_ref, alt_ref, expected) -> None:
    gps = _gps(_dms(33.8688), lat_ref, _dms(151.2093), lon_ref, (58, 1), alt_ref)
    md = _read_jpeg(tmp_path, _jpeg(_tiff([_entry(0x010F, ASCII, "Cam")], gps=gps)))
    assert (md.lat, md.lon, md.alt_m) == pytest.approx(expected, abs=1e-5)
    assert md.make == "Cam" and (md.width, md.height) == (4, 3)
    assert _real_warnings(md) == []


def test_gps_missing_reference_assumes_north_east_with_warning(tmp_path: Path) -> None:
    gps = _gps(_dms(10.5), None, _dms(20.25), None)
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], gps=gps)))
    assert (md.lat, md.lon) == pytest.approx((10.5, 20.25), abs=1e-5)
    assert _has_warning(md, "GPSLatitudeRef missing; assuming N")
    assert _has_warning(md, "GPSLongitudeRef missing; assuming E")


def test_gps_zero_zero_is_no_position(tmp_path: Path) -> None:
    gps = _gps([(0, 1), (0, 1), (0, 1)], "N", [(0, 1), (0, 1), (0, 1)], "E", (120, 1), 0)
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], gps=gps)))
    assert md.lat is None and md.lon is None and md.alt_m is None
    assert _has_warning(md, "GPS position 0,0 treated as no position")


def test_gps_zero_denominators_do_not_crash(tmp_path: Path) -> None:
    gps = _gps([(12, 0), (3, 1), (0, 0)], "N", _dms(8.5), "E", (100, 0), 0)
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], gps=gps)))
    assert md.lat is None and md.lon is None and md.alt_m is None
    assert _has_warning(md, "GPSLatitude [12/0, 3, 0/0] has a zero denominator")
    assert _has_warning(md, "GPSAltitude 100/0 has a zero denominator")


def test_gps_out_of_range_is_rejected(tmp_path: Path) -> None:
    gps = _gps([(95, 1), (0, 1), (0, 1)], "N", _dms(8.5), "E")
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], gps=gps)))
    assert md.lat is None and _has_warning(md, "GPSLatitude 95.000000 is out of range")


def _exif_times(original: str, offset: str | None = None, subsec: str | None = None) -> list:
    entries = [_entry(0x9003, ASCII, original)]
    if offset is not None:
        entries.append(_entry(0x9011, ASCII, offset))
    if subsec is not None:
        entries.append(_entry(0x9291, ASCII, subsec))
    return entries


def test_capture_time_offset_sources(tmp_path: Path) -> None:
    gps = _gps(_dms(35.0), "N", _dms(139.0), "E", date="2020:01:01", time_=[(3, 1), (0, 1), (5, 1)])
    # 1) OffsetTimeOriginal wins over the GPS clock
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("2020:01:01 12:00:00", "+05:30", "25"), gps=gps)))
    assert md.captured_at.isoformat() == "2020-01-01T12:00:00.250000+05:30"
    assert md.captured_at_offset == "+05:30"
    # 2) no OffsetTimeOriginal: local 12:00:00 vs GPS 03:00:05Z -> +09:00
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("2020:01:01 12:00:00"), gps=gps)))
    assert md.captured_at.isoformat() == "2020-01-01T12:00:00+09:00"
    # 3) an invalid offset is reported and the GPS clock is used instead
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("2020:01:01 12:00:00", "+99:00"), gps=gps)))
    assert md.captured_at_offset == "+09:00" and _has_warning(md, "invalid OffsetTimeOriginal '+99:00'")
    # 4) nothing to anchor it: naive
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("2020:01:01 12:00:00"))))
    assert md.captured_at == datetime(2020, 1, 1, 12) and md.captured_at.tzinfo is None
    assert md.captured_at_offset is None


def test_unparseable_and_blank_dates(tmp_path: Path) -> None:
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("2020:13:45 99:00:00"))))
    assert md.captured_at is None and _has_warning(md, "unparseable DateTimeOriginal")
    md = _read_jpeg(tmp_path, _jpeg(_tiff([], exif=_exif_times("    :  :     :  :  "))))
    assert md.captured_at is None and _real_warnings(md) == []


def test_wrong_tag_types_are_rejected_not_decoded(tmp_path: Path) -> None:
    ifd0 = [_entry(0x010F, SHORT, [67, 97, 109]), _entry(0x0110, ASCII, "Model X")]
    exif = [_entry(0x9003, LONG, [2020])]
    md = _read_jpeg(tmp_path, _jpeg(_tiff(ifd0, exif=exif)))
    assert md.make is None and md.model == "Model X" and md.captured_at is None
    assert _has_warning(md, "EXIF Make has a numeric type, not text")
    assert _has_warning(md, "EXIF DateTimeOriginal has a numeric type, not text")


def test_orientation_and_xmp_fallbacks(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
        b'xmlns:dji="http://www.dji.com/drone-dji/1.0/" tiff:Make="XmpMake" '
        b'dji:GimbalPitchDegree="-90.0" dji:RelativeAltitude="+50.2" dji:GpsLatitude="-12.5" '
        b'dji:GpsLongitude="+130.25"/></rdf:RDF></x:xmpmeta>'
    )
    md = _read_jpeg(tmp_path, _jpeg(_tiff([_entry(0x0112, SHORT, [9])]), xmp=xmp))
    assert md.orientation is None and _has_warning(md, "invalid EXIF Orientation 9")
    assert md.make == "XmpMake"
    # a packet-local prefix ("dji") still yields the canonical "drone-dji" keys
    assert md.drone == {"gimbal_pitch": -90.0, "rel_alt_m": 50.2}
    assert (md.lat, md.lon) == pytest.approx((-12.5, 130.25))


# ---------------------------------------------------------------------------
# XMP parser

RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'


def _packet(body: str, ns: str = "") -> bytes:
    return (
        f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF_NS}>'
        f'<rdf:Description rdf:about="" {ns}>{body}</rdf:Description>'
        f'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def test_parse_xmp_attributes_elements_and_arrays() -> None:
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ' + RDF_NS.encode() + b">"
        b'<rdf:Description rdf:about="" xmlns:GPano="http://ns.google.com/photos/1.0/panorama/"'
        b' xmlns:xap="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b' xmlns:my="urn:example:my/" GPano:ProjectionType="equirectangular" xap:CreateDate="2021-01-02T03:04:05Z">'
        b"<GPano:PoseHeadingDegrees>207.5</GPano:PoseHeadingDegrees>"
        b'<dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li>'
        b'<rdf:li xml:lang="x-default">Title &amp; more</rdf:li></rdf:Alt></dc:title>'
        b"<dc:subject><rdf:Bag><rdf:li>drone</rdf:li><rdf:li>river</rdf:li></rdf:Bag></dc:subject>"
        b'<my:Pose my:Yaw="12.5" my:Pitch="-3"/>'
        b'<my:Lens rdf:parseType="Resource"><my:Name>Wide</my:Name></my:Lens>'
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    assert parse_xmp(packet) == {
        "GPano:ProjectionType": "equirectangular",
        "xmp:CreateDate": "2021-01-02T03:04:05Z",  # xap: -> canonical xmp:
        "GPano:PoseHeadingDegrees": "207.5",
        "dc:title": "Title & more",
        "dc:subject": "drone, river",
        "my:Pose/my:Yaw": "12.5",
        "my:Pose/my:Pitch": "-3",
        "my:Lens/my:Name": "Wide",
    }


def test_parse_xmp_dji_packet_with_xpacket_wrapper() -> None:
    packet = _packet(
        "",
        ns='xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalYawDegree="+126.20" '
        'drone-dji:FlightYawDegree="-3.10" drone-dji:RelativeAltitude="+119.80" '
        'drone-dji:AbsoluteAltitude="+362.97"',
    )
    assert parse_xmp(packet) == {
        "drone-dji:GimbalYawDegree": "+126.20",
        "drone-dji:FlightYawDegree": "-3.10",
        "drone-dji:RelativeAltitude": "+119.80",
        "drone-dji:AbsoluteAltitude": "+362.97",
    }


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="&lol9;"/></rdf:RDF></x:xmpmeta>"""

XXE = b"""<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>&xxe;</dc:format></rdf:Description>
</rdf:RDF></x:xmpmeta>"""


@pytest.mark.parametrize(
    "packet",
    [
        BILLION_LAUGHS,
        XXE,
        BILLION_LAUGHS.decode().encode("utf-16"),  # hostile in UTF-16 too
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><!doctype x></x:xmpmeta>",
    ],
    ids=["billion-laughs", "xxe", "utf16-doctype", "lowercase-doctype"],
)
def test_parse_xmp_refuses_dtd(packet: bytes) -> None:
    assert parse_xmp(packet) == {}


def test_parse_xmp_never_raises_on_garbage() -> None:
    assert parse_xmp(b"") == {}
    assert parse_xmp(b"\xff\xfe\x00garbage<<<") == {}
    assert parse_xmp(None) == {}  # type: ignore[arg-type]
    assert parse_xmp(b"<x:xmpmeta><rdf:RDF></x:xmpmeta>") == {}


def test_parse_xmp_salvages_attributes_from_broken_xml() -> None:
    broken = _packet(
        "<unclosed>", ns='xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalPitchDegree="-90.0"'
    )
    assert parse_xmp(broken) == {"drone-dji:GimbalPitchDegree": "-90.0"}


def test_parse_xmp_utf16_packet() -> None:
    packet = _packet("<dc:format>image/jpeg</dc:format>", ns='xmlns:dc="http://purl.org/dc/elements/1.1/"')
    assert parse_xmp(packet.decode().encode("utf-16-be")) == {"dc:format": "image/jpeg"}
    assert parse_xmp(packet.decode().encode("utf-16")) == {"dc:format": "image/jpeg"}


def test_find_xmp_packet() -> None:
    packet = _packet("", ns='xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"')
    blob = b"\xff\xd8\xff\xe1junk" + packet + b"\x00trailing"
    found = find_xmp_packet(blob)
    assert found is not None and found.startswith(b"<x:xmpmeta") and found.endswith(b"</x:xmpmeta>")
    assert parse_xmp(found) == {"dc:format": "image/jpeg"}
    bare = b"junk<?xpacket begin='' id='x'?><rdf:RDF " + RDF_NS.encode() + b"/><?xpacket end='r'?>junk"
    assert find_xmp_packet(bare) == bare[4:-4]
    assert find_xmp_packet(b"no packet here") is None
    assert find_xmp_packet(b"<x:xmpmeta never closed") is None
    assert find_xmp_packet(b"\x00" * (4 * 1024 * 1024) + packet) is None  # beyond the first 4 MiB
