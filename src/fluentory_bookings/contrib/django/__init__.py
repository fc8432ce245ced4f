"""The pluggable Django app of fluentory-bookings (app label ``fluentory_bookings``).

Add ``"fluentory_bookings.contrib.django"`` to ``INSTALLED_APPS`` and set
``FLUENTORY_BOOKINGS_COURSE_MODEL``; see the installation guide in the docs.
"""
