def test_records(record_property, record_xml_attribute, record_testsuite_property):
    record_property("prop", 1)
    record_xml_attribute("attr", "value")
    record_testsuite_property("suite_key", "suite_value")
