"""Building blocks every app uses: the domain's errors and the API's strict fields. Imports no app."""
