"""FHIR R4 UK Core mapping: Avert's rows and values to and from FHIR resources (see docs/fhir.md).

Pure: values in, values out. Modules hold one resource each (`patient`, `service_request`,
`encounter`, `observation`, `care_plan`, `flag`), the Bundles (`bundle`), the
CapabilityStatement (`capability`), OperationOutcome (`outcome`), validation with the
`fhir.resources` R4B models (`validate`), search parameters (`search`) and the identifier and
code systems every module shares (`systems`). Database work is in `avert.services.fhir_io`;
the HTTP routes are in `avert.web.fhir_api`.
"""
