"""Hugging Face Hub access (the only package importing ``huggingface_hub``).

Modules: ``client`` (settings from the environment at call time, errors), ``retry`` (bounded backoff),
``download`` (verified, resumable, atomic cache writes), ``repo`` (commit pinning and tree listing, offline
records), ``resolve`` (configs/splits/data files rules), ``info`` (``get_dataset_*``), ``remote_file`` and
``streaming`` (range-read shard readers).
"""
