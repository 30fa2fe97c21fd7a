"""How the day went: conversations summed up (``summary``), the day's figures (``daily``),
and the report assembled from the installation's stores (``report``)."""
