#!/usr/bin/python3
"""Reads an HL7 v2 message with python-hl7 (another parser than ours' writer) and prints what a receiver would take
from it as JSON: the message type and version, the patient's id and name, the order's accession number and status, and
each OBX's set id, type, code, sub-id, value, unit and status. Usage: hl7_read.py FILE"""
import json
import sys

import hl7

# newline="": the segments end with a carriage return, which universal newlines would turn into "\n".
message = hl7.parse(open(sys.argv[1], encoding="utf-8", newline="").read())
msh, pid, obr = message.segment("MSH"), message.segment("PID"), message.segment("OBR")
print(json.dumps({
    "type": str(msh[9]), "version": str(msh[12]), "control_id": str(msh[10]),
    "patient_id": str(pid[3][0][0]), "family": str(pid[5][0][0]), "given": str(pid[5][0][1]),
    "accession": str(obr[3]), "service": str(obr[4][0][0]), "diagnostic_section": str(obr[24]), "status": str(obr[25]),
    "observations": [{"set_id": str(o[1]), "type": str(o[2]), "code": str(o[3][0][0]), "text": str(o[3][0][1]), "sub_id": str(o[4]),
                      "value": str(o[5]), "unit": str(o[6][0][0]) if str(o[6]) else "", "status": str(o[11])} for o in message.segments("OBX")],
}))
