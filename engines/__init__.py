"""How the service reaches GPU workers: the engines (``local``, ``vastai``), Vast.ai's console and
deployment, instance prices, and the record of every request sent to a worker.

An engine is the route a job's segments take to a GPU worker, the ``engine`` of the API. This
app knows nothing of jobs, voices or money: callers hand it batches and record what it did.
"""
