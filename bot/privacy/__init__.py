"""Personal data: finding it in customer messages and masking it (``Redactor``)."""
