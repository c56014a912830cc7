"""`python -m vlm_agent.cli ...`: the vlm-agent console script."""
from . import main

if __name__ == "__main__":
    main()
