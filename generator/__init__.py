"""hardgen: hardened deployment artefacts for WSO2 Integrator (Ballerina) and Micro Integrator."""

__version__ = "0.3.0"
