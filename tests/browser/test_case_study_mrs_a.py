"""Case study 1, played end to end through the pages in a real browser.

Seed (LLR UCR, case study 1): "14:14 GP telephone referral ... for Mrs A following fall, back pain
and unable to mobilise. History of recurrent falls, dementia and diabetic. Triaged ... as a 2 hour
UCR. 14:45 Face to face assessment completed at home by Occupational Therapist and Crisis Response
Service ... need for crisis package of care, ongoing therapy, urgent equipment (bed) and referral
to nursing. 18:47 Registered nurse face to face visit ... Hospital admission avoided."
"""

from datetime import UTC, datetime, timedelta

from tests.browser.conftest import shot, sign_in


REFERRED = datetime(2021, 6, 8, 13, 14, tzinfo=UTC)  # 14:14 BST


def test_mrs_a_from_gp_call_to_discharge_at_home_through_the_pages(live_server, page, clock):
    """Intake 14:14, allocation, OT and support worker arrive 14:45, nurse 18:47, stays at home."""
    base = live_server
    clock.set(REFERRED)
    sign_in(page, base, "sam")

    # 14:14: the coordinator takes the GP's call at the single point of access.
    page.goto(f"{base}/intake")
    page.select_option("#source", "gp")
    page.fill("#referrer_name", "Dr Patel")
    page.fill("#referrer_organisation", "Riverside Surgery")
    page.fill("#referrer_phone", "0116 496 0001")
    page.fill("#nhs_number", "999 000 0018")
    page.fill("#given_name", "Alice")
    page.fill("#family_name", "Ashworth")
    page.fill("#dob_day", "2")
    page.fill("#dob_month", "4")
    page.fill("#dob_year", "1938")
    page.fill("#address_line", "12 Mill Lane")
    page.fill("#postcode", "LE1 5WW")
    page.fill("#access_note", "Key safe by the back door, code from the daughter")
    page.select_option("#need", "fall")
    page.fill(
        "#need_text", "Fall, back pain, unable to mobilise. Recurrent falls, dementia, diabetes"
    )
    page.select_option("#stated_urgency", "within_2_hours")
    page.click("button:has-text('Check triage')")
    outcome = page.locator("#triage-outcome")
    assert "2-hour crisis response" in outcome.inner_text()
    shot(page, "mrs-a-1-triage-outcome")
    page.click("button:has-text('Confirm referral')")
    page.wait_for_url("**/referrals/*")
    referral_id = page.url.rsplit("/", 1)[-1]
    assert "Deadline Tue 08 Jun 2021 16:14 BST" in page.locator("dl").inner_text()

    # The coordinator sends the occupational therapist with a crisis support worker.
    clock.set(REFERRED + timedelta(minutes=4))
    page.goto(f"{base}/board")
    row = page.locator(f"tr[data-referral='{referral_id}']")
    assert "Alice Ashworth" in row.inner_text()
    row.get_by_role("link", name="Allocate").click()
    page.wait_for_selector("#allocation-form")
    page.select_option("#first_staff", "S-OT")
    page.select_option("#second_staff", "S-CRS")
    shot(page, "mrs-a-2-allocation")
    page.click("#allocation-form button:has-text('Allocate')")
    page.wait_for_url("**/board?message=*")
    assert "allocated to Casey Brown and Olu Adeyemi" in page.locator("[role=status]").inner_text()

    # The OT sets off and arrives at 14:45: first face-to-face contact, clock stopped.
    sign_in(page, base, "olu")
    page.goto(f"{base}/my-day")
    assert "Key safe by the back door" in page.locator("main").inner_text()
    page.click("button:has-text('Set off')")
    clock.set(REFERRED + timedelta(minutes=31))
    page.click("button:has-text('Arrived')")
    page.wait_for_selector("#assessment")
    assert "met, seen after 31 minutes" in page.locator("dl").inner_text()

    # The holistic assessment: observations give NEWS2 as they are typed.
    for field, value in [
        ("#respiration_rate", "18"),
        ("#spo2", "96"),
        ("#systolic_bp", "132"),
        ("#pulse", "84"),
        ("#temperature", "36.8"),
    ]:
        page.fill(field, value)
    page.check("#on_oxygen-air")
    page.select_option("#consciousness", "alert")
    page.wait_for_selector("#news2-panel:has-text('NEWS2 0')")
    page.select_option("#cfs", "6")
    page.fill("#physical_needs", "Back pain, unable to transfer without help")
    page.fill("#what_matters", "Staying at home with her cat")
    page.fill("#carer_situation", "Daughter visits daily, works full time")
    shot(page, "mrs-a-3-assessment")
    page.click("button:has-text('Save assessment')")
    assert "NEWS2 0" in page.locator("main").inner_text()

    # Actions: urgent bed, crisis package of care, referral to nursing.
    for kind, detail, service in [
        ("urgent_equipment", "Profiling bed, delivery within 2 hours", ""),
        ("crisis_package_of_care", "Crisis package of care from today", ""),
        ("onward_referral", "Nurse visit today for diabetes management", "community_nursing"),
    ]:
        page.select_option("#kind", kind)
        page.fill("#detail", detail)
        if service:
            page.select_option("#onward_service", service)
        page.click("button:has-text('Add action')")
    assert page.locator("#actions ~ ul li").count() == 3
    page.click("button:has-text('Finish visit')")

    # 18:47: the registered nurse visits.
    clock.set(datetime(2021, 6, 8, 17, 40, tzinfo=UTC))
    sign_in(page, base, "sam")
    page.goto(f"{base}/board/allocate/{referral_id}")
    page.select_option("#first_staff", "S-RN")
    page.click("#allocation-form button:has-text('Allocate')")
    sign_in(page, base, "nia")
    page.goto(f"{base}/my-day")
    page.click("button:has-text('Set off')")
    clock.set(datetime(2021, 6, 8, 17, 47, tzinfo=UTC))
    page.click("button:has-text('Arrived')")
    page.wait_for_selector("#leave")
    page.click("button:has-text('Finish visit')")

    # A week of therapy later: discharged, hospital admission avoided.
    clock.set(datetime(2021, 6, 15, 10, 0, tzinfo=UTC))
    sign_in(page, base, "sam")
    page.goto(f"{base}/board/allocate/{referral_id}")
    page.select_option("#first_staff", "S-PT")
    page.click("#allocation-form button:has-text('Allocate')")
    sign_in(page, base, "priya")
    page.goto(f"{base}/my-day")
    page.click("button:has-text('Set off')")
    page.click("button:has-text('Arrived')")
    page.select_option("#outcome", "remained_at_home")
    page.fill("#note", "Independently mobile with frame; hospital admission avoided")
    page.click("button:has-text('Finish visit')")

    page.goto(f"{base}/referrals/{referral_id}")
    record = page.locator("main").inner_text()
    assert "Discharged" in record
    assert "Remained at home" in record
    assert "after 31 minutes" in record
    assert "hospital admission avoided" in record
    assert record.count("Visit ") >= 3
    shot(page, "mrs-a-4-record")
