"""Segment marks drawn as coloured glyphs with labels; a click on one says what it is."""

import numpy as np
from cnv_qt_scenes import pixel_at
from PyQt6.QtCore import QPoint, Qt

from compneurovis.core import EntityClicked, ScenePatch, SegmentMark
from compneurovis.vtk import MARK_COLORS


def _click(window, xy):
    widget = window.views["m"].panel._widget
    ratio = widget.devicePixelRatioF()
    return QPoint(round(xy[0] / ratio), round(widget.height() - xy[1] / ratio)), widget


def test_marks_are_drawn_in_their_kind_colour_and_a_click_names_them(window, sent, qtbot):
    marks = [SegmentMark(entity_id="seg1", label="IClamp[0]", kind="stimulus"),
             SegmentMark(entity_id="seg3", label="ExpSyn[2] (1 NetCon)", kind="synapse")]
    drawing = window.views["m"]
    renderer = drawing.renderer
    window.render_due(force=True)
    centres = renderer.world_to_display(window.scene.geometries["morph"].centers)
    before = drawing.panel.image()
    window.apply_updates([ScenePatch(views={"m": {"marks": marks}})])
    window.render_due(force=True)
    image = drawing.panel.image()
    assert renderer.mark_glyphs.marks == tuple(marks)
    import os
    if os.environ.get("CNV_SAVE_MARKS"):
        from compneurovis.qt._view3d_panel import to_qimage
        to_qimage(image).save(os.environ["CNV_SAVE_MARKS"])
    for entity, kind in ((1, "stimulus"), (3, "synapse")):
        pixel = pixel_at(image, centres[entity])
        # the glyph is lit by the scene's lights: its hue is the kind's colour, not the segment's
        colour = np.array(MARK_COLORS[kind], dtype=float)
        assert np.abs(pixel / max(pixel.max(), 1) - colour / colour.max()).max() < 0.25, (kind, pixel)
        assert np.abs(pixel - pixel_at(before, centres[entity])).max() > 40
    assert np.abs(pixel_at(image, centres[2]) - pixel_at(before, centres[2])).max() < 10  # unmarked: as before
    # each label is drawn: text pixels appear up and to the right of its glyph
    x, y = centres[1][:2]
    h = image.shape[0]
    patch_now = image[h - 1 - int(y) - 30:h - 1 - int(y) - 5, int(x) + 8:int(x) + 80].astype(int)
    patch_before = before[h - 1 - int(y) - 30:h - 1 - int(y) - 5, int(x) + 8:int(x) + 80].astype(int)
    assert np.abs(patch_now - patch_before).max() > 100
    point, widget = _click(window, centres[3])
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    assert EntityClicked(entity_id="seg3", view_id="m") in sent
    assert renderer.picked_mark == 1
    assert drawing.mark_text == "Mark: ExpSyn[2] (1 NetCon) (synapse) on sec3(0.5)"
    assert renderer.info_actor.GetInput() == drawing.mark_text
    point, widget = _click(window, centres[2])  # a segment without a mark
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)
    assert renderer.picked_mark is None and drawing.mark_text is None
    assert renderer.info_actor.GetInput() == "Selected: sec2(0.5)"
    window.apply_updates([ScenePatch(views={"m": {"marks": ()}})])
    window.render_due(force=True)
    after = drawing.panel.image()
    for entity in (1, 3):  # the glyphs are gone: the segments' own colours again
        assert np.abs(pixel_at(after, centres[entity]) - pixel_at(before, centres[entity])).max() < 10


def test_thousands_of_marks_share_a_triangle_budget_and_a_few_keep_round_spheres(window):
    from compneurovis.vtk import GLYPH_TRIANGLES

    # a 1,000-cell network's 2,000 synapses drew 448,000 triangles, more than the morphology cost
    renderer = window.views["m"].renderer
    ids = list(window.scene.geometries["morph"].entity_ids)

    def triangles(count):
        renderer.mark_glyphs.set_marks([SegmentMark(entity_id=ids[k % len(ids)], label=f"s{k}", kind="synapse")
                                        for k in range(count)])
        mapper = renderer.mark_glyphs._actors[0].GetMapper()
        mapper.Update()
        return mapper.GetInput().GetNumberOfPolys()

    assert triangles(2) == 2 * 224  # a few marks: the full sphere
    many = triangles(2000)
    assert 2000 * 8 <= many <= GLYPH_TRIANGLES
    assert triangles(300) <= GLYPH_TRIANGLES
