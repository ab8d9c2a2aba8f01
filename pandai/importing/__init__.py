"""Importing clients from other systems: reading files, mapping columns, planning and writing.

Every reader returns the same shape, a :class:`pandai.importing.readers.Table`: ``headers``
(one name a column) and ``rows``, a lazily read iterator of ``Row(number, values, remarks)``
with one value a header. :func:`pandai.importing.readers.read_table` picks the reader from the
file's content:

- CSV, TXT and XLSX (:mod:`~pandai.importing.readers`, :mod:`~pandai.importing.xlsx`): the
  headers are the file's own, which :mod:`~pandai.importing.headers` maps to fields;
- vCard 2.1, 3.0 and 4.0 (:func:`pandai.importing.vcard.read_vcards`) and JSON as
  ``pandai list --format json`` writes it (:func:`pandai.importing.jsonfile.read_json`): the
  table is *keyed* (``table.keyed`` is True). Its headers are Pandai file keys (``name``,
  ``email``, ``phone``, ``emails``, ``phones``, ``notes``, ``birthday`` …). Its values are
  already structured. ``emails`` and ``phones`` are lists of ``{value, type}`` mappings,
  ``notes`` is a list of texts (vCard) or of note mappings (JSON), and ``photo`` is a
  ``vcard.Photo``.

:mod:`~pandai.importing.plan` turns a table into an import plan and writes it in one commit.
"""
