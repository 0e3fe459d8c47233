"""What a change does to the reader: facts read from a clause's text, coded to the W3C Data
Privacy Vocabulary (DPV) so the same fact in two languages has the same code.

``policygen.compare.textfacts.read_facts(text, lang)`` is the entry point; README.md in
this folder explains the concepts, how to add a term, and the licence of the vocabulary.
"""
