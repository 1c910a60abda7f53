"""Known events of three hours for the integration tests, and the rows they must produce.

Users are the seed's: 01 andres (quota 200000), 02 paco (300000), 03 juan (100000), 04 fede (5000).
``GHOST`` is not in user_metadata.
"""

from __future__ import annotations

from datetime import datetime

U1, U2, U3, U4 = (f"00000000-0000-0000-0000-0000000000{n:02d}" for n in (1, 2, 3, 4))
GHOST = "99999999-9999-9999-9999-999999999999"
A0, A1 = "00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111"

HOUR_13 = [  # two files
    [("2022-10-29T13:00:00", U1, A0, 150000, "SKYPE"), ("2022-10-29T13:20:00", U1, A1, 60000, "TELEGRAM"),
     ("2022-10-29T13:05:00", U4, A0, 100000, "SKYPE")],
    [("2022-10-29T13:59:59.999999", U4, A1, 15494, "TELEGRAM"), ("2022-10-29T13:30:00", U3, A0, 100000, "SKYPE"),
     ("2022-10-29T13:31:00", U2, A1, 1000, "FACEBOOK"), ("2022-10-29T13:45:00", GHOST, A0, 777, "SKYPE"),
     ("2022-10-29T13:46:00", GHOST, A0, 1, "SKYPE")],
]
HOUR_14 = [[("2022-10-29T14:10:00", U2, A0, 400000, "FACETIME"), ("2022-10-29T14:11:00", U4, A0, 10, "SKYPE")]]
LATE_13 = [("2022-10-29T13:58:00", U2, A0, 299000, "SKYPE")]  # arrives after 13:00 was processed

T13, T14 = datetime(2022, 10, 29, 13), datetime(2022, 10, 29, 14)
BYTES_13 = sorted([
    (T13, A0, 350778, "antenna_total_bytes"), (T13, A1, 76494, "antenna_total_bytes"),
    (T13, "FACEBOOK", 1000, "app_total_bytes"), (T13, "SKYPE", 350778, "app_total_bytes"),
    (T13, "TELEGRAM", 75494, "app_total_bytes"),
    (T13, U1, 210000, "user_total_bytes"), (T13, U2, 1000, "user_total_bytes"),
    (T13, U3, 100000, "user_total_bytes"), (T13, U4, 115494, "user_total_bytes"),
    (T13, GHOST, 778, "user_total_bytes"),
])
BYTES_14 = sorted([
    (T14, A0, 400010, "antenna_total_bytes"), (T14, "FACETIME", 400000, "app_total_bytes"),
    (T14, "SKYPE", 10, "app_total_bytes"), (T14, U2, 400000, "user_total_bytes"),
    (T14, U4, 10, "user_total_bytes"),
])
QUOTA_13 = [("andres@gmail.com", 210000, 200000, T13), ("fede@gmail.com", 115494, 5000, T13)]
QUOTA_14 = [("paco@gmail.com", 400000, 300000, T14)]
TOTAL_13 = 427272
