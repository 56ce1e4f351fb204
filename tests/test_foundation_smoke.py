def test_home_of_social_worker(client, tenant_a, make_user, make_child, login):
    sw = make_user(tenant_a, ["social_worker"])
    make_child(tenant_a, social_worker=sw, first_name="Amara", last_name="Fictional")
    login(sw)
    response = client.get("/council-a/")
    assert response.status_code == 200, response.text
    assert "Amara Fictional" in response.text
