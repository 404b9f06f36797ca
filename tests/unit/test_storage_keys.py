import pytest

from mam.storage.keys import derivative_key, original_key, safe_extension


@pytest.mark.parametrize("name,ext", [
    ("clip.MP4", "mp4"), ("DJI_0001.MOV", "mov"), ("../../x", "bin"), ("/abs/path.mxf", "mxf"),
    ("x.mp4 -i http://169.254.169.254/", "bin"), ("$(reboot).mp4", "mp4"), ("noext", "bin"),
    ("a.\x00mp4", "bin"), ("京雄铁路.mp4", "mp4"), ("evil.mp4/../../etc", "bin"), ("a..\\b.avi", "avi"),
])
def test_keys_are_server_made(name, ext):
    assert safe_extension(name) == ext
    assert original_key("abc123", name) == f"originals/abc123/source.{ext}"


def test_derivative_names_cannot_escape():
    assert derivative_key("a1", "proxy.mp4") == "derivatives/a1/proxy.mp4"
    for bad in ("../x", "a/b", ".hidden"):
        with pytest.raises(ValueError):
            derivative_key("a1", bad)


def test_every_key_of_an_asset_is_made_from_its_id():
    from mam.storage.keys import originals_prefix, shot_image_key, sidecar_key

    assert original_key("a1", "x.MP4").startswith(originals_prefix("a1"))
    assert sidecar_key("a1", 3, "DJI_0001.SRT") == "originals/a1/sidecars/03.srt"
    assert sidecar_key("a1", 0, "../../etc/passwd") == "originals/a1/sidecars/00.bin"
    assert shot_image_key("a1", "shot_0001.jpg") == "derivatives/a1/shots/shot_0001.jpg"
    with pytest.raises(ValueError):
        shot_image_key("a1", "../x.jpg")
