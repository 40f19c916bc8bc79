"""Listings: needs and results are two kinds of listing with the same life (draft → published →
closed or withdrawn), the same pages and the same API shape.

``kind.ListingKind`` says what one kind is; ``services`` holds what their services share,
``views`` the pages every kind has, parameterised by its kind. Each kind's package (``needs``,
``results``) keeps only what truly differs: a need's budget and validity, a result's maturity,
rights and price.
"""
