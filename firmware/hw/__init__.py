"""Hardware glue: chip drivers, motor, Bluetooth, USB and board profiles."""
